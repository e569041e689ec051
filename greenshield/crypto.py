"""Field-level encryption and blind indexes for personal data.

* A **keyring** maps key ids to 32-byte master keys; the first entry is primary (used to encrypt), the others
  only decrypt (so keys can be rotated without downtime).
* Every value gets its **own** AES-256-GCM key: HKDF-SHA256 over the master key, the model.field and a random
  16-byte salt drawn for that value (``value_key``). The salt travels in the ciphertext,
  which also carries the id of the master key: ``gs2$<key id>$<base64url(salt ‖ nonce ‖ ciphertext ‖ tag)>``.
* Associated data binds a ciphertext to its model, field and row, so a value copied to another row or column
  fails to decrypt.
* A **blind index** is a truncated HMAC-SHA256 of the normalised value under a key derived for that index,
  so equal values can be found without storing plaintext or deterministic ciphertext.

**The nonce budget, and why gs2.** NIST SP 800-38D §8.3 allows at most 2^32 (≈ 4.29 × 10^9) encryptions with
random 96-bit nonces under one AES-GCM key (that keeps the chance of a repeated nonce — which leaks the XOR of two
plaintexts and the authentication key — below 2^-32). The old format ``gs1`` used one key per (master key,
model.field). At the design's scale of 26.5 × 10^9 parcels a year, each acceptance field (recipient phone,
recipient name, …) is encrypted 26.5 × 10^9 times a year under one key: the 2^32 bound is reached after
2^32 / 26.5 × 10^9 × 365 ≈ **59 days**.

In ``gs2`` a derived key encrypts exactly one value, so the per-key count is 1, whatever the scale. What remains
is the chance that two values draw the same 128-bit salt, and so the same key. Per master key, with F encrypted
fields per parcel (F = 8 counts the six acceptance fields, the sender and the last-mile location generously),
N = 26.5 × 10^9 × 8 ≈ 2.1 × 10^11 values a year; over ten years of one master key N ≈ 2.1 × 10^12 and the
birthday bound gives P(any two salts equal) ≈ N^2 / 2^129 ≈ 4.4 × 10^24 / 6.8 × 10^38 ≈ **6.6 × 10^-15**. Even
then the two values would also need the same random 96-bit nonce (a further 2^-96) for GCM's guarantees to
break. The ``info`` still separates model.field, so a key is never shared across columns either.

The cost is one HMAC-SHA256 (the HKDF-Expand step; the field's HKDF-Extract is cached) per encryption and per
decryption, measured against ``gs1`` by ``bench/crypto_bench.py``.
``gs1`` ciphertexts stay readable; every save of a ``gs1`` value, and ``rotate_keys``, rewrites it as ``gs2``.

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

#: The format written today; ``LEGACY_PREFIXES`` are still read (and rewritten on the next save or rotation).
CIPHERTEXT_PREFIX = "gs2"
LEGACY_PREFIX = "gs1"
PREFIXES = (CIPHERTEXT_PREFIX, LEGACY_PREFIX)
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
NONCE_BYTES = 12
SALT_BYTES = 16
TAG_BYTES = 16

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
    """The ``gs1`` per-field AES key: HKDF-SHA256(master, info="greenshield/enc/<purpose>") — read only."""
    return _derive(keyring.key(key_id), b"greenshield/enc/" + purpose.encode())


def value_key(keyring: Keyring, key_id: str, purpose: str, salt: bytes) -> bytes:
    """The ``gs2`` per-value AES key: HKDF-SHA256 over the master key, the field and the value's salt, in two steps —
    the field's pseudo-random key ``PRK = HKDF(master, info="greenshield/enc2/<purpose>")`` (cached), then
    HKDF-Expand(PRK, info="greenshield/enc2|" ‖ salt, 32 bytes), which for one block is
    HMAC-SHA256(PRK, info ‖ 0x01) (RFC 5869 §2.3)."""
    if len(salt) != SALT_BYTES:
        raise CryptoError("A per-value salt is 16 bytes.")
    prk = _derive(keyring.key(key_id), b"greenshield/enc2/" + purpose.encode())
    return hmac.new(prk, b"greenshield/enc2|" + salt + b"\x01", hashlib.sha256).digest()


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
    fresh = os.urandom(SALT_BYTES + NONCE_BYTES)
    salt, nonce = fresh[:SALT_BYTES], fresh[SALT_BYTES:]
    sealed = AESGCM(value_key(keyring, key_id, purpose, salt)).encrypt(
        nonce, plaintext.encode(), associated_data(purpose, row_id)
    )
    token = base64.urlsafe_b64encode(salt + nonce + sealed).decode().rstrip("=")
    return f"{CIPHERTEXT_PREFIX}${key_id}${token}"


def encrypt_legacy(keyring: Keyring, plaintext: str, *, purpose: str, row_id: str, key_id: str | None = None) -> str:
    """A ``gs1`` ciphertext (one key per field, random nonce). Never used to store data any more: it exists so
    tests and the benchmark can make the values an older installation holds."""
    key_id = key_id or keyring.primary_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(field_key(keyring, key_id, purpose)).encrypt(
        nonce, plaintext.encode(), associated_data(purpose, row_id)
    )
    token = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{LEGACY_PREFIX}${key_id}${token}"


def ciphertext_key_id(ciphertext: str) -> str:
    """The key id a stored ciphertext was made with (for rotation and ``--verify``)."""
    _, key_id, _ = _split(ciphertext)
    return key_id


def ciphertext_version(ciphertext: str) -> str:
    """``gs2`` or ``gs1``."""
    version, _, _ = _split(ciphertext)
    return version


def is_current(keyring: Keyring, ciphertext: str) -> bool:
    """Written in today's format under the primary key — nothing for a save or a rotation to redo."""
    version, key_id, _ = _split(ciphertext)
    return version == CIPHERTEXT_PREFIX and key_id == keyring.primary_id


def _split(ciphertext: str) -> tuple[str, str, str]:
    parts = ciphertext.split("$") if isinstance(ciphertext, str) else []
    if len(parts) != 3 or parts[0] not in PREFIXES or not KEY_ID_RE.match(parts[1]):
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
    version, key_id, token = _split(ciphertext)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("Ciphertext is not valid base64.") from exc
    if version == CIPHERTEXT_PREFIX:
        if len(raw) < SALT_BYTES + NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("Ciphertext is truncated.")
        key = value_key(keyring, key_id, purpose, raw[:SALT_BYTES])
        raw = raw[SALT_BYTES:]
    else:
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("Ciphertext is truncated.")
        key = field_key(keyring, key_id, purpose)
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data(purpose, row_id))
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
