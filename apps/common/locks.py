"""Transaction-scoped named locks: PostgreSQL advisory locks (SQLite serialises writers anyway)."""
from __future__ import annotations

import zlib

from django.db import connection

NAMESPACES = {"sender": 1, "idempotency": 2, "chain": 3, "log": 5, "rollup": 6, "event_id": 7}


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


def xact_lock(namespace: str, key: str) -> None:
    """Hold a lock on (namespace, key) until the current transaction ends."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                       [NAMESPACES[namespace], _int32(zlib.crc32(key.encode()))])


def xact_try_lock(namespace: str, key: str) -> bool:
    """Take the lock on (namespace, key) to the end of the transaction if nobody holds it; False otherwise."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)",
                       [NAMESPACES[namespace], _int32(zlib.crc32(key.encode()))])
        return bool(cursor.fetchone()[0])


def xact_lock_many(namespace: str, keys) -> None:
    """Hold locks on (namespace, key) for every key until the transaction ends, taken in one statement and in a
    fixed order (by the keys' hashes), so two transactions locking overlapping sets cannot deadlock."""
    if connection.vendor != "postgresql":
        return
    hashes = sorted({_int32(zlib.crc32(key.encode())) for key in keys})
    if not hashes:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_advisory_xact_lock(%s, k)) FROM (SELECT k FROM unnest(%s::int[]) AS k "
                       "ORDER BY k) AS ordered", [NAMESPACES[namespace], hashes])
