#!/usr/bin/env python3
"""Verify a greenshield installation's transparency log from outside, as a regulator would.

Needs only the Python standard library and ``cryptography``; no Django, no database access, nothing from the
server but its public API and an API token. The log's verifier key is obtained out of band (the operator prints
it with ``python manage.py log_key --verifier``) and given with ``--key``: the server is never trusted to say
which key is its own.

  python tools/verify_greenshield_log.py --url https://gs.example.cn --token TOKEN --key 'name+id+base64' \\
      [--saved checkpoint.txt] [--waybill ZTO0000000001] [--save checkpoint.txt]

Checks: the latest checkpoint's Ed25519 signature (C2SP signed note, c2sp.org/tlog-checkpoint); with
``--saved``, that the log today extends the checkpoint saved earlier (an RFC 9162 consistency proof); with
``--waybill``, that the parcel's chain head is a leaf of a signed checkpoint (an inclusion proof) which the latest
one extends. ``--save`` writes the verified latest checkpoint for next time. Exit status 0 when everything
verifies, 1 with the list of what did not.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DASH = "\u2014"


class Failure(Exception):
    """Something the log could not prove."""


# --- signed notes and checkpoints ------------------------------------------------------------------------------

def parse_vkey(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    try:
        name, key_id, key_b64 = vkey.strip().split("+", 2)
        raw = base64.b64decode(key_b64, validate=True)
    except (ValueError, binascii.Error):
        raise Failure("the verifier key is not <name>+<key id>+<base64 key>") from None
    if len(raw) != 33 or raw[0] != 1:
        raise Failure("the verifier key is not an Ed25519 key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if expected.hex() != key_id.lower():
        raise Failure("the verifier key's id does not match its key")
    return name, expected, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_checkpoint(text: str, vkey: str) -> tuple[int, bytes]:
    """(size, root) of a checkpoint whose signature by ``vkey`` verifies and whose origin is the key's name."""
    name, key_id, public_key = parse_vkey(vkey)
    body, sep, signatures = text.rpartition("\n\n")
    if not sep or not text.endswith("\n"):
        raise Failure("the checkpoint is not a signed note")
    body += "\n"
    verified = False
    for line in signatures.rstrip("\n").split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise Failure("a signature line of the checkpoint is malformed")
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except (ValueError, binascii.Error):
            raise Failure("a signature of the checkpoint is not base64") from None
        if parts[1] != name or blob[:4] != key_id:
            continue  # another key's signature (a witness): not ours to check
        try:
            public_key.verify(blob[4:], body.encode())
        except InvalidSignature:
            raise Failure("the checkpoint's signature does not verify") from None
        verified = True
    if not verified:
        raise Failure("the checkpoint is not signed by the log's key")
    lines = body.split("\n")
    if len(lines) < 4 or lines[0] != name or not lines[1].isdigit():
        raise Failure("the checkpoint's text is not origin, size, root")
    root = base64.b64decode(lines[2])
    if len(root) != 32:
        raise Failure("the checkpoint's root is not 32 bytes")
    return int(lines[1]), root


# --- RFC 9162 proofs, from the definitions -----------------------------------------------------------------------

def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def check_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        raise Failure("the leaf index is not in the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Failure("the inclusion proof is too long")
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = _node(r, p)
        fn, sn = fn // 2, sn // 2
    if sn != 0 or r != root:
        raise Failure("the inclusion proof does not lead to the checkpoint's root")


def check_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2."""
    if old_size > new_size:
        raise Failure(f"the log shrank from {old_size} to {new_size} leaves")
    if old_size == new_size:
        if proof or old_root != new_root:
            raise Failure("the log signed two different trees of the same size")
        return
    if old_size == 0 or not proof:
        raise Failure("no consistency proof")
    path = ([old_root] if old_size & (old_size - 1) == 0 else []) + proof
    fn, sn = old_size - 1, new_size - 1
    while fn % 2 == 1:
        fn, sn = fn // 2, sn // 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Failure("the consistency proof is too long")
        if fn % 2 == 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            sr = _node(sr, c)
        fn, sn = fn // 2, sn // 2
    if sn != 0 or fr != old_root or sr != new_root:
        raise Failure("the log today does not extend the saved checkpoint")


# --- the API -----------------------------------------------------------------------------------------------------

class Api:
    def __init__(self, url: str, token: str):
        self.base = url.rstrip("/") + "/api/v1/"
        self.token = token

    def get(self, path: str, **params) -> bytes:
        url = self.base + path + (("?" + urllib.parse.urlencode(params)) if params else "")
        if not url.startswith(("http://", "https://")):
            raise Failure("the URL must be http(s)")
        request = urllib.request.Request(url, headers={"Authorization": f"Token {self.token}"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - scheme checked above
                return response.read()
        except urllib.error.HTTPError as exc:
            raise Failure(f"GET {path}: HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise Failure(f"GET {path}: {exc.reason}") from None

    def json(self, path: str, **params):
        return json.loads(self.get(path, **params))

    def consistency(self, old: int, new: int) -> list[bytes]:
        return [bytes.fromhex(h) for h in self.json("log/proofs/consistency/", **{"from": old, "to": new})["hashes"]]


def verify(api: Api, vkey: str, *, saved: str | None = None, waybill: str | None = None) -> tuple[list[str], str]:
    """(what failed, the latest checkpoint's text)."""
    problems: list[str] = []
    latest_text = api.get("log/checkpoint/").decode("utf-8")
    try:
        size, root = open_checkpoint(latest_text, vkey)
    except Failure as exc:
        return [f"latest checkpoint: {exc}"], latest_text
    if saved is not None:
        try:
            old_size, old_root = open_checkpoint(saved, vkey)
            proof = api.consistency(old_size, size) if 0 < old_size <= size else []
            check_consistency(old_size, size, old_root, root, proof)
        except Failure as exc:
            problems.append(f"saved checkpoint: {exc}")
    if waybill is not None:
        try:
            _check_parcel(api, vkey, waybill, size, root)
        except Failure as exc:
            problems.append(f"parcel {waybill}: {exc}")
    return problems, latest_text


def _check_parcel(api: Api, vkey: str, waybill: str, size: int, root: bytes) -> None:
    integrity = api.json(f"parcels/{urllib.parse.quote(waybill)}/trace/")["integrity"]
    if not integrity["valid"]:
        raise Failure(f"the server itself reports its records altered: {integrity.get('problem')}")
    found = integrity.get("log")
    if found is None:
        raise Failure("its chain head is not in the log yet (try again within the maximum merge delay)")
    leaf = hashlib.sha256(b"\x00" + f"link:{integrity['head']}".encode()).digest()
    if found["leaf_hash"] != leaf.hex():
        raise Failure("the leaf given is not the chain head's")
    at_size, at_root = open_checkpoint(found["checkpoint"], vkey)
    if at_size != found["tree_size"]:
        raise Failure("the proof is not against the checkpoint given with it")
    check_inclusion(found["leaf_index"], at_size, leaf, [bytes.fromhex(h) for h in found["inclusion"]], at_root)
    if at_size <= size:
        proof = api.consistency(at_size, size) if at_size else []
        check_consistency(at_size, size, at_root, root, proof)
    else:  # a newer checkpoint was signed between the two requests
        check_consistency(size, at_size, root, at_root, api.consistency(size, at_size))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the installation, e.g. https://gs.example.cn")
    parser.add_argument("--token", required=True, help="an API token (Authorization: Token …)")
    parser.add_argument("--key", required=True, help="the log's verifier key, obtained out of band")
    parser.add_argument("--saved", type=Path, help="a checkpoint saved earlier")
    parser.add_argument("--waybill", help="a parcel whose inclusion to check")
    parser.add_argument("--save", type=Path, help="write the verified latest checkpoint here")
    args = parser.parse_args(argv)
    try:
        parse_vkey(args.key)
        saved = args.saved.read_text(encoding="utf-8") if args.saved else None
        problems, latest = verify(Api(args.url, args.token), args.key, saved=saved, waybill=args.waybill)
    except (Failure, OSError) as exc:
        problems, latest = [str(exc)], ""
    if problems:
        print(f"{len(problems)} problem(s):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    size = latest.split("\n")[1]
    print(f"The log's latest checkpoint verifies (size {size})"
          + (", and it extends the saved checkpoint" if args.saved else "")
          + (f"; parcel {args.waybill} is included" if args.waybill else "") + ".")
    if args.save:
        args.save.write_text(latest, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
