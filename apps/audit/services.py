"""Writing the audit log. Call ``audit_record`` inside the transaction of the action it records."""
from __future__ import annotations

import json
from dataclasses import dataclass

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from apps.common import clock
from apps.common.request_context import current_request_id
from apps.common.rotation import pk_batches
from apps.transparency.services import AUDIT, PENDING_TABLE, leaf_data, log_leaves_add
from greenshield import chain

from .models import AuditEntry


def entry_content(entry: AuditEntry) -> dict:
    """The canonical content of an audit entry for its hash. Entries written before the transparency log carry
    their place in the old per-entry chain (``seq``) as well."""
    content = {
        "id": str(entry.id), "at": chain.canonical_time(entry.at), "actor": entry.actor,
        "actor_user": entry.actor_user_id, "action": entry.action, "target_type": entry.target_type,
        "target_id": entry.target_id, "target_repr": entry.target_repr, "reason": entry.reason,
        "request_id": entry.request_id,
        "organization": entry.organization_id, "province": entry.province, "data": entry.data,
    }
    if entry.seq is not None:
        content["seq"] = entry.seq
    return content


def entry_hash(entry: AuditEntry) -> str:
    """An entry's hash covers its own content (and, for an entry of the old chain, its predecessor's hash)."""
    if entry.seq is not None:
        return chain.link_hash(entry.prev_hash, entry_content(entry))
    return chain.content_digest(entry_content(entry))


_FIELDS = list(AuditEntry._meta.local_concrete_fields)
_INSERT = None


def _append(entry: AuditEntry) -> None:
    """Store the entry and queue its leaf in the transparency log, in the caller's transaction. No lock: the
    order and completeness of the audit log come from the log, so concurrent writers never wait for each other.
    On PostgreSQL both rows go in one statement (every audited write pays for it)."""
    entry.hash = entry_hash(entry)
    if connection.vendor != "postgresql":
        entry.save()
        log_leaves_add(AUDIT, [(entry.hash, entry.at)])
        return
    global _INSERT
    if _INSERT is None:
        columns = ", ".join(connection.ops.quote_name(f.column) for f in _FIELDS)
        table, pending = connection.ops.quote_name(AuditEntry._meta.db_table), connection.ops.quote_name(PENDING_TABLE)
        placeholders = ", ".join(["%s"] * len(_FIELDS))
        # Names from model meta; every value is bound.
        _INSERT = (f"WITH entry AS (INSERT INTO {table} ({columns}) VALUES ({placeholders})) "  # noqa: S608
                   f"INSERT INTO {pending} (data, queued_at, record_at) VALUES (%s, %s, %s)")
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [*values, leaf_data(AUDIT, entry.hash), timezone.now(), entry.at])
    entry._state.adding, entry._state.db = False, "default"


@dataclass(frozen=True)
class AuditVerdict:
    valid: bool
    length: int
    altered: list[str]


def audit_entries_verify(*, batch_size: int = 5000, progress=None) -> AuditVerdict:
    """Re-hash every audit entry against its stored hash. What this cannot see — an entry removed, or the
    table emptied — the transparency log shows (``verify_log``)."""
    altered: list[str] = []
    count = 0
    for batch in pk_batches(AuditEntry.objects.all(), batch_size):
        for entry in batch:
            count += 1
            try:
                intact = entry_hash(entry) == entry.hash
            except orjson.JSONEncodeError:
                intact = False
            if not intact:
                altered.append(str(entry.id))
        if progress:
            progress(len(batch))
    return AuditVerdict(not altered, count, altered)


def keyring_rotation_record(*, primary_id: str, rotated: dict, left: dict) -> AuditEntry:
    """The audit log's record of a key rotation run: how many rows moved to the primary key, how many are left."""
    return audit_record(actor=None, action="keys.rotate", target_type="keyring", target_id=primary_id,
                        data={"rotated": rotated, "left": left})


def _actor_name(actor) -> str:
    if actor is None:
        return "system"
    username = getattr(actor, "username", None)
    return str(username or actor)[:160]


def _target_fields(target, target_type, target_id, target_repr):
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        if not target_repr:
            target_repr = str(target)[:200]
    return target_type or "", target_id or "", target_repr or ""


def audit_record(*, actor, action: str, target=None, target_type: str = "", target_id: str = "",
                 target_repr: str = "", reason: str = "", request=None, organization=None, province: str = "",
                 data: dict | None = None) -> AuditEntry:
    """Append one entry. ``data`` and ``target_repr`` must be free of personal data (mask it first)."""
    target_type, target_id, target_repr = _target_fields(target, target_type, target_id, target_repr)
    request_id = getattr(request, "request_id", "") if request is not None else current_request_id()
    user = actor if getattr(actor, "pk", None) and getattr(actor, "_meta", None) else None
    if organization is None and actor is not None:
        organization_id = getattr(actor, "organization_id", None)
    else:
        organization_id = getattr(organization, "pk", organization)
    if not province and actor is not None:
        province = getattr(actor, "province", "") or ""
    entry = AuditEntry(
        at=clock.now(), actor=_actor_name(actor), actor_user=user, action=action,
        target_type=target_type, target_id=target_id, target_repr=target_repr, reason=reason,
        request_id=request_id or "", organization_id=organization_id, province=province,
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),  # hash what the database will give back
    )
    _append(entry)
    return entry
