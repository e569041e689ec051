"""Writing the audit log. Call ``audit_record`` inside the transaction of the action it records."""
from __future__ import annotations

from django.utils import timezone

from apps.common.request_context import current_request_id

from .models import AuditEntry


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
        request_id=request_id or "", organization_id=organization_id, province=province, data=data or {},
    )
    entry.save()
    return entry
