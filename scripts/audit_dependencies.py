"""pip-audit over requirements.txt, failing on any known vulnerability.

pip-audit needs a vulnerability service (PyPI's JSON API or OSV). Where neither is reachable — as on machines
that only reach a package mirror — every package comes back "not audited". That is reported loudly, not as a
pass; set GREENSHIELD_REQUIRE_AUDIT=1 to make it fail instead.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> int:
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-m", "pip_audit", "-r", "requirements.txt", "--format", "json", "--progress-spinner", "off",
         "--timeout", "20"],
        capture_output=True, text=True)
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, sep="\n")
        return result.returncode or 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"VULNERABLE {dep['name']}=={dep.get('version')}: {ids}")
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {len(dependencies)} pinned packages, {audited} audited, {len(vulnerable)} with known "
          f"vulnerabilities, {len(skipped)} not audited")
    if vulnerable:
        return 1
    if skipped:
        print("WARNING: the vulnerability service was unreachable for "
              f"{len(skipped)} package(s) (first: {skipped[0].get('skip_reason')})")
        if os.environ.get("GREENSHIELD_REQUIRE_AUDIT") == "1":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
