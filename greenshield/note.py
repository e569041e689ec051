"""Signed notes (c2sp.org/signed-note) with Ed25519, and transparency-log checkpoints (c2sp.org/tlog-checkpoint).

A note is UTF-8 text ending in a newline, a blank line, and signature lines ``— <name> base64(key ID ‖ sig)``.
The key ID is ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]``. Keys travel as text: the verifier key
``<name>+<hex key ID>+base64(0x01 ‖ public key)`` and, for the signer only, Go's ``PRIVATE+KEY+<name>+<hex key
ID>+base64(0x01 ‖ seed)``.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
DASH = "\u2014"
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed note or key, or a note no trusted key signed."""


def _valid_name(name: str) -> bool:
    return bool(name) and not any(c.isspace() or c == "+" for c in name)


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    key: Ed25519PublicKey

    def encode(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(bytes([ED25519]) + _raw_public(self.key)).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    id: bytes
    key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.id, self.key.public_key())

    def encode(self) -> str:
        seed = self.key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                      serialization.NoEncryption())
        return f"PRIVATE+KEY+{self.name}+{self.id.hex()}+{base64.b64encode(bytes([ED25519]) + seed).decode()}"


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("not base64") from None


def verifier_parse(text: str) -> Verifier:
    name, sep1, rest = text.strip().partition("+")
    hex_id, sep2, key_b64 = rest.partition("+")
    if not (sep1 and sep2) or not _valid_name(name) or len(hex_id) != 8:
        raise NoteError("a verifier key is <name>+<8 hex digits>+<base64 key>")
    key = _b64(key_b64)
    if len(key) != 33 or key[0] != ED25519:
        raise NoteError("only Ed25519 verifier keys are supported")
    if key_id(name, key[1:]).hex() != hex_id.lower():
        raise NoteError("the key ID does not match the key")
    return Verifier(name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(key[1:]))


def signer_parse(text: str) -> Signer:
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not _valid_name(parts[2]) or len(parts[3]) != 8:
        raise NoteError("a signer key is PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>")
    name, hex_id, key = parts[2], parts[3], _b64(parts[4])
    if len(key) != 33 or key[0] != ED25519:
        raise NoteError("only Ed25519 signer keys are supported")
    private = Ed25519PrivateKey.from_private_bytes(key[1:])
    if key_id(name, _raw_public(private.public_key())).hex() != hex_id.lower():
        raise NoteError("the key ID does not match the key")
    return Signer(name, bytes.fromhex(hex_id), private)


def signer_generate(name: str) -> Signer:
    if not _valid_name(name):
        raise NoteError("a key name is non-empty, without spaces or '+'")
    private = Ed25519PrivateKey.generate()
    return Signer(name, key_id(name, _raw_public(private.public_key())), private)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note holds no control characters but newlines")


def sign(text: str, signer: Signer) -> str:
    _check_text(text)
    signature = signer.key.sign(text.encode())
    return f"{text}\n{DASH} {signer.name} {base64.b64encode(signer.id + signature).decode()}\n"


def open_note(note: str, verifiers: list[Verifier]) -> str:
    """The text of ``note`` once a signature by one of ``verifiers`` checks; signatures of unknown keys are
    ignored; a bad signature by a known key rejects the whole note."""
    if not note.endswith("\n"):
        raise NoteError("a note ends with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("a note has a blank line before its signatures")
    text, signatures = note[:split + 1], note[split + 2:]
    _check_text(text)
    lines = signatures[:-1].split("\n") if signatures else []
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("a note carries between 1 and 100 signatures")
    known = {(v.name, v.id): v for v in verifiers}
    verified = False
    for line in lines:
        prefix, _, rest = line.partition(" ")
        name, _, sig_b64 = rest.partition(" ")
        if prefix != DASH or not _valid_name(name) or not sig_b64 or " " in sig_b64:
            raise NoteError("a signature line is '— <name> <base64>'")
        blob = _b64(sig_b64)
        if len(blob) < 5:
            raise NoteError("a signature is a key ID and a signature")
        verifier = known.get((name, blob[:4]))
        if verifier is None:
            continue
        if not verifier.verify(text.encode(), blob[4:]):
            raise NoteError(f"the signature of {name} does not verify")
        verified = True
    if not verified:
        raise NoteError("no trusted key signed this note")
    return text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def checkpoint_parse(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not all(lines[:-1]):
        raise NoteError("a checkpoint is origin, size and root hash lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError("the tree size is a decimal number without leading zeroes")
    digest = _b64(root)
    if len(digest) != 32:
        raise NoteError("the root hash is 32 bytes")
    return Checkpoint(origin, int(size), digest)


def checkpoint_sign(checkpoint: Checkpoint, signer: Signer) -> str:
    return sign(checkpoint.text(), signer)


def checkpoint_open(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint in ``note``, signed by ``verifier`` and of its origin."""
    checkpoint = checkpoint_parse(open_note(note, [verifier]))
    if checkpoint.origin != verifier.name:
        raise NoteError("the checkpoint's origin is not the log's key name")
    return checkpoint
