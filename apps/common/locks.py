"""Transaction-scoped named locks: PostgreSQL advisory locks (SQLite serialises writers anyway)."""
from __future__ import annotations

import zlib

from django.db import connection

NAMESPACES = {"sender": 1, "idempotency": 2, "chain": 3, "log": 5, "rollup": 6}


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
