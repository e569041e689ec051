"""Accessibility checks in the real browser: axe-core (vendored, ``vendor/axe.min.js``) run on the page Playwright
has open, against the WCAG 2.0/2.1/2.2 A and AA rules. ``assert_accessible`` fails on any violation of impact
"serious" or "critical", naming the rule, the elements and how to fix them; it keeps axe's whole report in
``artifacts/axe/<label>.json`` for CI. Refresh the vendored copy with ``make vendor-axe``.

    from tests.browser.axe import assert_accessible
    assert_accessible(page, "supervision dashboard")
"""
from __future__ import annotations

import json
import re
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
REPORTS = Path(__file__).resolve().parents[2] / "artifacts" / "axe"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = ("serious", "critical")


def axe_run(page) -> dict:
    """axe's results for the page as it is now (axe injected once per document)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        "async tags => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(WCAG_TAGS))


def blocking_violations(results: dict) -> list[dict]:
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more element(s)")
    return "\n".join(lines)


def assert_accessible(page, url_label: str) -> dict:
    """Run axe on the open page; fail on serious or critical WCAG A/AA violations. Returns axe's results."""
    results = axe_run(page)
    REPORTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", url_label.lower()).strip("-") or "page"
    (REPORTS / f"{name}.json").write_text(json.dumps(
        {"label": url_label, "url": results.get("url"), "axe": results.get("testEngine", {}).get("version"),
         "violations": results["violations"]}, indent=1, ensure_ascii=False))
    violations = blocking_violations(results)
    assert not violations, f"{url_label} ({page.url}): axe found serious or critical violations\n{describe(violations)}"
    return results
