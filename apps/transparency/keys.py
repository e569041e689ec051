"""The log's signing key: GREENSHIELD_LOG_KEY when set (required in production), otherwise a development key
generated once and kept outside the repository, like the personal-data keyring."""
from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from greenshield import note

log = logging.getLogger(__name__)


def _development_key_text() -> str:
    path = Path(settings.GREENSHIELD_LOG_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text()
        with os.fdopen(fd, "w") as handle:
            handle.write(note.signer_generate(settings.GREENSHIELD_LOG_ORIGIN).encode() + "\n")
        log.warning("Generated a development log signing key at %s (set GREENSHIELD_LOG_KEY in production).", path)
    return path.read_text()


@lru_cache(maxsize=4)
def _signer(text: str) -> note.Signer:
    try:
        return note.signer_parse(text)
    except note.NoteError as exc:
        raise ImproperlyConfigured(f"GREENSHIELD_LOG_KEY is not a signer key: {exc}") from None


def log_signer() -> note.Signer:
    text = settings.GREENSHIELD_LOG_KEY
    if not text:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured("Production mode requires GREENSHIELD_LOG_KEY.")
        text = _development_key_text()
    return _signer(text.strip())


def log_verifier() -> note.Verifier:
    return log_signer().verifier


def log_origin() -> str:
    """The checkpoint's origin line: the signing key's name (c2sp.org/tlog-checkpoint: they SHOULD match)."""
    return log_signer().name
