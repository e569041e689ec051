"""Time-ordered identifiers (UUIDv7, RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits.

An acceptance's and its parcel's ids are minted in time order, so their primary-key B-trees grow at the right edge
(an insert touches the same few pages, whatever the table's size) instead of at a random leaf, and the id itself
tells the period of its record. 74 random bits keep them unguessable."""
from __future__ import annotations

import os
import time
import uuid


def uuid7(milliseconds: int | None = None) -> uuid.UUID:
    ms = int(time.time() * 1000) if milliseconds is None else milliseconds
    if not 0 <= ms < 1 << 48:
        raise ValueError("a UUIDv7 holds 48 bits of milliseconds")
    random = int.from_bytes(os.urandom(10), "big")
    rand_a, rand_b = random >> 68, random & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


def uuid7_milliseconds(value: uuid.UUID) -> int:
    """The Unix milliseconds a UUIDv7 was minted at."""
    if value.version != 7:
        raise ValueError("not a UUIDv7")
    return value.int >> 80
