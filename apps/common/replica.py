"""Read replicas: the endpoints that only read (trace, reverse traces, statistics, EPCIS export and query) may be
served by a streaming replica (``DATABASE_REPLICA_URL``, the database alias ``replica``); everything else, and
anything inside a transaction, stays on the primary.

Read-your-writes: after a principal's write (any unsafe HTTP method) the primary's WAL position is kept in the cache
for that principal; their next replica-eligible read goes to the replica only once it has replayed past that
position, otherwise to the primary. This is exact, not a guessed lag window, and costs one tiny query on each side.
Other principals read what the replica has replayed: a supervisor may see a scan a fraction of a second late, never
a half-written parcel (the replica replays whole transactions).
"""
from __future__ import annotations

import contextvars
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
_reading = contextvars.ContextVar("greenshield_replica_reads", default=False)
log = logging.getLogger(__name__)


def replica_configured() -> bool:
    return settings.GREENSHIELD_REPLICA_READS


def _principal_key(user) -> str | None:
    device = getattr(user, "device", None)
    if device is not None and getattr(user, "is_device", False):
        return f"replica:written:device:{device.pk}"
    if getattr(user, "is_authenticated", False) and user.pk is not None:
        return f"replica:written:user:{user.pk}"
    return None


class ReplicaRouter:
    """Reads go to the replica only while a replica-reading endpoint is answering and no transaction is open on the
    primary (a read inside a transaction must see that transaction's writes). Writes and migrations: the primary."""

    def db_for_read(self, model, **hints):
        if _reading.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _replica_has_replayed(lsn: str | None) -> bool:
    """True when the replica is reachable and, if the principal wrote recently, has replayed that write."""
    replica = connections[REPLICA]
    try:
        if lsn is None:
            replica.ensure_connection()
            return True
        if replica.vendor != "postgresql":
            return True
        with replica.cursor() as cursor:
            cursor.execute("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() >= %s::pg_lsn "
                           "ELSE true END", [lsn])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        log.warning("replica unreachable: reading from the primary", exc_info=True)
        return False


def replica_reads_begin(request):
    """Route this request's reads to the replica if it may serve them; returns a token for ``replica_reads_end``."""
    if not replica_configured():
        return None
    key = _principal_key(request.user)
    lsn = cache.get(key) if key else None
    if not _replica_has_replayed(lsn):
        return None
    return _reading.set(True)


def replica_reads_end(token) -> None:
    if token is not None:
        _reading.reset(token)


def serving_from_replica() -> bool:
    return _reading.get()


class ReadsFromReplica:
    """Mixin for a DRF view that only reads: once the request is authenticated and allowed, its queries go to the
    replica (when configured and caught up with the caller's own writes)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._replica_token = replica_reads_begin(request)

    def finalize_response(self, request, response, *args, **kwargs):
        replica_reads_end(getattr(self, "_replica_token", None))
        self._replica_token = None
        return super().finalize_response(request, response, *args, **kwargs)


def written_remember(user) -> None:
    """After a principal's write: keep the primary's WAL position so their next reads see it (read-your-writes)."""
    key = _principal_key(user)
    if key is None:
        return
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        return
    try:
        with primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cursor.fetchone()[0]
    except DatabaseError:
        log.warning("could not read the primary's WAL position", exc_info=True)
        return
    cache.set(key, lsn, settings.GREENSHIELD_REPLICA_STICKY_SECONDS)


class ReadYourWritesMiddleware:
    """Remembers, after every unsafe request by an authenticated principal, where the primary's WAL stood (only when
    a replica is configured: otherwise it costs nothing)."""

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in self.UNSAFE and replica_configured():
            user = getattr(request, "user", None)
            if user is not None:
                written_remember(user)
        return response
