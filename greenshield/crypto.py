"""Field-level encryption and blind indexes for personal data.

* A **keyring** maps key ids to 32-byte master keys; the first entry is primary (used to encrypt), the others
  only decrypt (so keys can be rotated without downtime).
* Each (model, field) gets its own AES-256-GCM key derived by HKDF from a master key, and every ciphertext
  carries the id of the master key it was made with: ``gs1$<key id>$<base64url(nonce ‖ ciphertext ‖ tag)>``.
* Associated data binds a ciphertext to its model, field and row, so a value copied to another row or column
  fails to decrypt.
* A **blind index** is a truncated HMAC-SHA256 of the normalised value under a key derived for that index,
  so equal values can be found without storing plaintext or deterministic ciphertext.

Nothing here falls back silently: an unknown key id, a wrong key or a tampered value raises ``DecryptionError``.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CIPHERTEXT_PREFIX = "gs1"
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
NONCE_BYTES = 12

#: Blind-index length in bits. Why 32: the index is only a pre-filter — candidates are decrypted and compared
#: — so it trades candidate count against what a stolen index reveals. With N indexed people, a lookup returns
#: on average N / 2**32 false candidates: 0.0002 for 10**6 people, 0.002 for 10**7 and 0.023 for 10**8, so
#: nearly every lookup decrypts one row. And because 2**32 is far smaller than the space of valid ID numbers
#: (~10**10 region/date/sequence combinations) and phone numbers (~10**9–10**10), each index value is shared
#: by roughly 2–3 valid ID numbers, so even an attacker holding the index key cannot map an index value back
#: to a single person from the index alone. Longer indexes buy nothing at this scale; shorter ones (24 bits)
#: would return ~6 false candidates per lookup at 10**8 people.
BLIND_INDEX_BITS = 32
BLIND_INDEX_HEX_LENGTH = BLIND_INDEX_BITS // 4


class CryptoError(Exception):
    """Base class: every failure of the personal-data layer is loud."""


class KeyringError(CryptoError):
    """The keyring is missing or malformed."""


class DecryptionError(CryptoError):
    """A ciphertext could not be decrypted: unknown key id, wrong key, tampering, or moved to another row/field."""


@dataclass(frozen=True)
class Keyring:
    """Ordered id → 32-byte key mapping; ``primary_id`` is the first entry."""

    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Parse ``id=<base64 of 32 bytes>`` entries separated by commas (whitespace and newlines allowed)."""
        entries = [part.strip() for part in re.split(r"[,\n]", text or "") if part.strip()]
        if not entries:
            raise KeyringError("The keyring is empty: set GREENSHIELD_KEYS (see `manage.py generate_key`).")
        seen: dict[str, bytes] = {}
        ordered = []
        for entry in entries:
            key_id, sep, encoded = entry.partition("=")
            key_id = key_id.strip()
            if not sep or not KEY_ID_RE.match(key_id):
                raise KeyringError("Each keyring entry must look like id=<base64 of 32 bytes>.")
            try:
                key = base64.b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeyringError(f"Keyring entry {key_id!r} is not valid base64.") from exc
            if len(key) != 32:
                raise KeyringError(f"Keyring entry {key_id!r} must decode to 32 bytes, not {len(key)}.")
            if key_id in seen:
                raise KeyringError(f"Keyring entry {key_id!r} appears twice.")
            seen[key_id] = key
            ordered.append((key_id, key))
        return cls(tuple(ordered))

    @property
    def primary_id(self) -> str:
        return self.keys[0][0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(key_id for key_id, _ in self.keys)

    def key(self, key_id: str) -> bytes:
        for candidate_id, key in self.keys:
            if candidate_id == key_id:
                return key
        raise DecryptionError(f"Key id {key_id!r} is not in the keyring.")

    def serialize(self) -> str:
        return ",".join(f"{key_id}={base64.b64encode(key).decode()}" for key_id, key in self.keys)

    def __repr__(self) -> str:  # never print key material
        return f"Keyring(ids={self.ids!r})"


def generate_key_entry(key_id: str | None = None) -> str:
    """A new ``id=<base64>`` keyring entry with 32 random bytes."""
    key_id = key_id or "k" + os.urandom(4).hex()
    if not KEY_ID_RE.match(key_id):
        raise KeyringError("Key ids are 1–32 characters of letters, digits, '.', '_' or '-'.")
    return f"{key_id}={base64.b64encode(os.urandom(32)).decode()}"


@lru_cache(maxsize=1024)
def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def field_key(keyring: Keyring, key_id: str, purpose: str) -> bytes:
    """Per-field AES key: HKDF-SHA256(master, info="greenshield/enc/<purpose>")."""
    return _derive(keyring.key(key_id), b"greenshield/enc/" + purpose.encode())


def index_key(keyring: Keyring, key_id: str, index: str) -> bytes:
    """Per-index HMAC key: HKDF-SHA256(master, info="greenshield/bidx/<index>") — separate from every AES key."""
    return _derive(keyring.key(key_id), b"greenshield/bidx/" + index.encode())


def associated_data(purpose: str, row_id: str) -> bytes:
    """What a ciphertext is bound to: its model and field (``purpose``) and its row."""
    if not row_id:
        raise CryptoError("A row id is required to bind a ciphertext to its row.")
    return f"greenshield|{purpose}|{row_id}".encode()


def encrypt(keyring: Keyring, plaintext: str, *, purpose: str, row_id: str, key_id: str | None = None) -> str:
    """Encrypt under the primary key (or ``key_id``), bound to purpose and row."""
    if not isinstance(plaintext, str):
        raise CryptoError("Only text is encrypted.")
    key_id = key_id or keyring.primary_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(field_key(keyring, key_id, purpose)).encrypt(
        nonce, plaintext.encode(), associated_data(purpose, row_id)
    )
    token = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{CIPHERTEXT_PREFIX}${key_id}${token}"


def ciphertext_key_id(ciphertext: str) -> str:
    """The key id a stored ciphertext was made with (for rotation and ``--verify``)."""
    prefix, key_id, _ = _split(ciphertext)
    return key_id


def _split(ciphertext: str) -> tuple[str, str, str]:
    parts = ciphertext.split("$") if isinstance(ciphertext, str) else []
    if len(parts) != 3 or parts[0] != CIPHERTEXT_PREFIX or not KEY_ID_RE.match(parts[1]):
        raise DecryptionError("Stored value is not a greenshield ciphertext.")
    return parts[0], parts[1], parts[2]


def is_ciphertext(value: object) -> bool:
    try:
        _split(value)  # type: ignore[arg-type]
    except DecryptionError:
        return False
    return True


def decrypt(keyring: Keyring, ciphertext: str, *, purpose: str, row_id: str) -> str:
    """Decrypt and authenticate; raises ``DecryptionError`` rather than ever returning ciphertext or garbage."""
    _, key_id, token = _split(ciphertext)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("Ciphertext is not valid base64.") from exc
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("Ciphertext is truncated.")
    try:
        plain = AESGCM(field_key(keyring, key_id, purpose)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data(purpose, row_id)
        )
    except InvalidTag as exc:
        raise DecryptionError(
            "Ciphertext failed authentication (wrong key, tampered, or bound to another row or field)."
        ) from exc
    return plain.decode()


def blind_index(keyring: Keyring, normalized: str, *, index: str, key_id: str | None = None) -> str:
    """Truncated HMAC-SHA256 (``BLIND_INDEX_BITS``) of an already-normalised value, as lower-case hex."""
    key_id = key_id or keyring.primary_id
    digest = hmac.new(index_key(keyring, key_id, index), normalized.encode(), hashlib.sha256).hexdigest()
    return digest[:BLIND_INDEX_HEX_LENGTH]


def blind_index_candidates(keyring: Keyring, normalized: str, *, index: str) -> list[str]:
    """The value's index under every key in the ring, so lookups keep working while a rotation is under way."""
    return sorted({blind_index(keyring, normalized, index=index, key_id=key_id) for key_id in keyring.ids})


# The process-wide keyring, installed by the Django layer (apps.common) from settings.
_current: Keyring | None = None


def install_keyring(keyring: Keyring | None) -> None:
    global _current
    _current = keyring


def current_keyring() -> Keyring:
    if _current is None:
        raise KeyringError("No keyring is installed.")
    return _current
