"""Installs the personal-data keyring from settings: GREENSHIELD_KEYS when set (always in production),
otherwise a development keyring generated once and kept outside the repository."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings

from greenshield import crypto

log = logging.getLogger(__name__)


def _development_keyring_text() -> str:
    path = Path(settings.GREENSHIELD_KEYRING_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(crypto.generate_key_entry("dev1") + "\n")
        log.warning("Generated a development keyring at %s (set GREENSHIELD_KEYS in production).", path)
    return path.read_text()


def load_keyring() -> crypto.Keyring:
    text = settings.GREENSHIELD_KEYS
    if not text:
        if getattr(settings, "PRODUCTION", False):
            raise crypto.KeyringError("Production mode requires GREENSHIELD_KEYS.")
        text = _development_keyring_text()
    return crypto.Keyring.parse(text)


def install_from_settings() -> None:
    crypto.install_keyring(load_keyring())


def on_setting_changed(*, setting, **kwargs):
    if setting in {"GREENSHIELD_KEYS", "GREENSHIELD_KEYRING_FILE"}:
        install_from_settings()
