"""The per-parcel hash chain: ``hash = SHA-256(prev_hash ‖ canonical JSON of the link)``.

Any edit or deletion of a stored link changes a hash that a later link (or the parcel's recorded head) depends
on, so ``verify`` detects it. The canonical form is stable: sorted keys, no whitespace, UTF-8 (orjson's
encoding, fast enough for the ingest hot path), timestamps in UTC with microseconds. Links carry ids and facts,
never personal data: a last-mile scan's location (the recipient's doorstep) is committed to by a salted digest
(``personal_digest``), so erasing the location and its salt leaves the chain verifiable and the location
unguessable.
"""
from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

GENESIS = "0" * 64


def canonical_time(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("chain timestamps must be timezone-aware")
    return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_json(content: dict) -> bytes:
    """Sorted keys, compact, UTF-8. Raises ``orjson.JSONEncodeError`` for what JSON cannot carry exactly
    (integers beyond 64 bits, non-string keys)."""
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def _id(value) -> str | None:
    return None if value is None else str(value)


def link_content(*, parcel, seq: int, type: str, event_id, occurred_at: datetime.datetime,
                 recorded_at: datetime.datetime, facility=None, vehicle=None, courier=None, device=None,
                 actor: str = "", location: dict | None = None, detail: dict | None = None,
                 flags: list | None = None, personal_digest: str | None = None) -> dict:
    """The canonical content of one link of a parcel's chain — the only place it is built, for the links the
    services write (acceptance, inspection, screening, re-check) and the scans ingest stores alike. References
    are ids (renaming a facility never breaks a chain); times are canonical UTC. A link with personal data
    carries its salted digest under ``personal`` instead (links without keep the content they always had)."""
    content = {
        "parcel": _id(parcel),
        "seq": seq,
        "type": str(type),
        "event_id": _id(event_id),
        "occurred_at": canonical_time(occurred_at),
        "recorded_at": canonical_time(recorded_at),
        "facility": _id(facility),
        "vehicle": _id(vehicle),
        "courier": _id(courier),
        "device": _id(device),
        "actor": actor,
        "location": location,
        "detail": detail if detail is not None else {},
        "flags": list(flags or ()),
    }
    if personal_digest:
        content["personal"] = personal_digest
    return content


def personal_digest(salt: str, personal: dict) -> str:
    """The chain's commitment to a link's personal part: ``SHA-256(salt ‖ canonical JSON)``. The random salt (kept
    encrypted next to the value) stops anyone from confirming a guessed location against the chain; once salt and
    value are erased the digest proves nothing about either."""
    return hashlib.sha256(bytes.fromhex(salt) + canonical_json(personal)).hexdigest()


def link_hash(prev_hash: str, content: dict) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json(content)).hexdigest()


def content_digest(content: dict) -> str:
    """Digest of what a client sent, to tell a retry (same content) from a conflict (same id, other content)."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


@dataclass(frozen=True)
class StoredLink:
    seq: int
    content: dict
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    valid: bool
    length: int
    head: str
    first_bad_seq: int | None = None
    problem: str = ""
    #: the parcel is past the evidence's retention and its links were dropped with their month (nothing to check)
    expired: bool = False


def verify(links: Iterable[StoredLink], *, expected_length: int | None = None,
           expected_head: str | None = None) -> Verdict:
    """Re-hash a chain in seq order. Detects edited content, edited hashes, removed or re-ordered links, and
    (given the parcel's recorded length and head) links removed from the end."""
    prev = GENESIS
    count = 0
    for expected_seq, link in enumerate(links, start=1):
        count += 1
        if link.seq != expected_seq:
            return Verdict(False, count, prev, link.seq, f"link {expected_seq} is missing")
        if link.prev_hash != prev:
            return Verdict(False, count, prev, link.seq, f"link {link.seq} does not follow its predecessor")
        try:
            altered = link_hash(prev, link.content) != link.hash
        except orjson.JSONEncodeError:  # stored content no canonical form can carry: it was not written by us
            altered = True
        if altered:
            return Verdict(False, count, prev, link.seq, f"link {link.seq} was altered")
        prev = link.hash
    if expected_length is not None and expected_length != count:
        return Verdict(False, count, prev, count + 1, f"chain has {count} links, the parcel recorded {expected_length}")
    if expected_head is not None and count and expected_head != prev:
        return Verdict(False, count, prev, count, "the chain head does not match the parcel's record")
    return Verdict(True, count, prev)
