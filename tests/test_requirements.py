"""Every installed distribution is pinned with == in requirements.txt (so a clean install is reproducible)."""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
TOOLING = {"pip", "setuptools", "wheel"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"not pinned with ==: {line}"
            found[canonical(name)] = version.strip()
    return found


def test_every_installed_package_is_pinned_at_its_installed_version():
    pinned = pins()
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    unpinned = sorted(set(installed) - set(pinned) - TOOLING)
    assert not unpinned, f"installed but not pinned in requirements.txt: {unpinned}"
    drift = {name: (pinned[name], version) for name, version in installed.items()
             if name in pinned and pinned[name] != version}
    assert not drift, f"requirements.txt pins differ from what is installed: {drift}"
