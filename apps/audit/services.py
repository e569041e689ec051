"""Writing the audit log. Call ``audit_record`` inside the transaction of the action it records."""
from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.common.locks import xact_lock
from apps.common.request_context import current_request_id
from greenshield import chain

from .models import AuditEntry


def entry_content(entry: AuditEntry) -> dict:
    """The canonical content of an audit entry for its hash."""
    return {
        "id": str(entry.id), "seq": entry.seq, "at": chain.canonical_time(entry.at), "actor": entry.actor,
        "actor_user": entry.actor_user_id, "action": entry.action, "target_type": entry.target_type,
        "target_id": entry.target_id, "target_repr": entry.target_repr, "reason": entry.reason,
        "request_id": entry.request_id,
        "organization": entry.organization_id, "province": entry.province, "data": entry.data,
    }


def _append(entry: AuditEntry) -> None:
    """Chain the entry onto the log's head. One writer at a time: the lock is held to the end of the
    transaction, so the head a writer read is still the head when it commits."""
    with transaction.atomic():
        xact_lock("audit", "head")
        head = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        entry.seq = (head[0] + 1) if head else 1
        entry.prev_hash = head[1] if head else chain.GENESIS
        entry.hash = chain.link_hash(entry.prev_hash, entry_content(entry))
        entry.save()


def audit_chain_verify(*, batch_size: int = 5000, progress=None) -> chain.Verdict:
    """Re-hash the whole audit log in seq order."""

    def links():
        last = 0
        while True:
            batch = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
            if not batch:
                return
            for entry in batch:
                yield chain.StoredLink(entry.seq, entry_content(entry), entry.prev_hash, entry.hash)
            last = batch[-1].seq
            if progress:
                progress(len(batch))

    return chain.verify(links())


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
        at=timezone.now(), actor=_actor_name(actor), actor_user=user, action=action,
        target_type=target_type, target_id=target_id, target_repr=target_repr, reason=reason,
        request_id=request_id or "", organization_id=organization_id, province=province,
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),  # hash what the database will give back
    )
    _append(entry)
    return entry
