"""Writes on senders and the blacklist, and the blacklist checks the acceptance and screening services use."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common.fields import blind_index_filter
from apps.common.locks import xact_lock
from greenshield.enums import AlertKind, BlacklistSubject, Role, SenderKind
from greenshield.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from greenshield.identity import identity_index_value

from .models import BlacklistEntry, Sender


def _matching(queryset, model, id_type: str, id_number: str):
    """Rows whose encrypted (id_type, id_number) equal the given (normalised) document: blind-index candidates,
    decrypted and compared."""
    normalized = identity_index_value(id_type, id_number)
    candidates = queryset.filter(blind_index_filter(model, "id_number_index", normalized), id_type=id_type)
    return [row for row in candidates if row.id_number == id_number]


def sender_upsert(*, kind: str, name: str, id_type: str, id_number: str, phone: str, address: str,
                  uscc: str = "", organization_name: str = "") -> Sender:
    """The one Sender for this identity document, created or refreshed with the latest contact details.
    Serialised per document so two simultaneous first acceptances create one sender."""
    normalized = identity_index_value(id_type, id_number)
    xact_lock("sender", normalized)
    existing = _matching(Sender.objects.all(), Sender, id_type, id_number)
    sender = existing[0] if existing else Sender(id_type=id_type, id_number=id_number)
    sender.kind = kind
    if sender.name != name:
        sender.name = name
    if sender.phone != phone:
        sender.phone = phone
    if sender.address != address:
        sender.address = address
    if kind == SenderKind.ORGANIZATION:
        sender.uscc, sender.organization_name = uscc, organization_name
    sender.last_seen_at = timezone.now()
    sender.save()
    return sender


def blacklist_applicable(*, organization):
    """Entries in force that bind ``organization``: every regulator entry (region-wide) and the company's own."""
    return BlacklistEntry.objects.in_force().filter(Q(organization__isnull=True) | Q(organization=organization))


def sender_blacklist_entry(*, organization, id_type: str, id_number: str) -> BlacklistEntry | None:
    entries = blacklist_applicable(organization=organization).filter(subject=BlacklistSubject.SENDER)
    matches = _matching(entries, BlacklistEntry, id_type, id_number)
    return matches[0] if matches else None


def staff_blacklist_entry(*, staff) -> BlacklistEntry | None:
    """A staff member is barred by an entry naming them, or naming their identity document."""
    entries = blacklist_applicable(organization=staff.organization).filter(subject=BlacklistSubject.STAFF)
    direct = entries.filter(staff=staff).first()
    if direct:
        return direct
    if not staff.id_number:
        return None
    matches = _matching(entries.filter(staff__isnull=True), BlacklistEntry, staff.id_type, staff.id_number)
    return matches[0] if matches else None


def staff_ensure_not_blacklisted(*, staff, action: str, actor=None, facility=None, audit_action: str = "") -> None:
    """403 ``staff_blacklisted`` for barred staff [R15]. Given an ``actor``, the refused attempt is itself
    recorded first — an alert and an audit entry, in their own transaction, so the 403 cannot roll them back.
    Call it before the transaction of the action it guards."""
    entry = staff_blacklist_entry(staff=staff)
    if entry is None:
        return
    if actor is not None:
        from apps.compliance.services import alert_raise

        with transaction.atomic():
            where = f" at {facility.code}" if facility is not None else ""
            alert_raise(kind=AlertKind.BLACKLISTED_STAFF_ATTEMPT, organization=staff.organization, facility=facility,
                        summary=f"Blacklisted staff {staff.employee_no} tried to {action}{where}",
                        detail={"staff": staff.employee_no, "blacklist_entry": str(entry.pk)})
            audit_record(actor=actor, action=audit_action or "staff.denied", target=staff,
                         target_repr=staff.employee_no, organization=staff.organization,
                         data={"reason": "staff_blacklisted"})
    raise PermissionDenied(f"This staff member is blacklisted and cannot {action}.", code="staff_blacklisted")


@transaction.atomic
def blacklist_create(*, actor, subject: str, reason: str, id_type: str = "", id_number: str = "", staff=None,
                     valid_until=None) -> BlacklistEntry:
    """A regulator's entry covers the region (recorded with their province); a supervisor's, their company."""
    if actor.role == Role.REGULATOR:
        province, organization = actor.province, None
    elif actor.role == Role.SUPERVISOR:
        province, organization = "", actor.organization
        if staff is not None and staff.organization_id != actor.organization_id:
            raise ValidationFailed("Unknown staff member.", code="unknown_staff", attr="employee_no")
    else:
        raise PermissionDenied("Only regulators and supervisors keep the blacklist.")
    if valid_until is not None and valid_until <= timezone.now():
        raise ValidationFailed("valid_until must be in the future.", code="invalid", attr="valid_until")
    entry = BlacklistEntry(subject=subject, reason=reason, valid_until=valid_until, province=province,
                           organization=organization, created_by=actor, staff=staff,
                           id_type=id_type or (staff.id_type if staff else ""))
    if id_number:
        entry.id_number = id_number
    entry.save()
    audit_record(actor=actor, action="blacklist.create", target=entry, target_repr=str(entry), reason=reason,
                 organization=organization, province=province,
                 data={"subject": subject, "scope": "region" if province else "company"})
    return entry


def blacklist_may_revoke(*, actor, entry: BlacklistEntry) -> bool:
    """Only the authority that issued an entry revokes it: a province's regulator its region-wide entries, a
    company's supervisor the company's own; operators any."""
    if actor.is_superuser:
        return True
    if entry.province:
        return actor.role == Role.REGULATOR and entry.province == actor.province
    return actor.role == Role.SUPERVISOR and entry.organization_id == actor.organization_id


@transaction.atomic
def blacklist_revoke(*, actor, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """Revoke an entry of the actor's own authority; an entry of another authority is not found (404)."""
    if not blacklist_may_revoke(actor=actor, entry=entry):
        raise NotFound()
    entry = BlacklistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.revoked_at is not None:
        raise Conflict("This entry is already revoked.", code="already_revoked")
    entry.revoked_at = timezone.now()
    entry.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="blacklist.revoke", target=entry, target_repr=str(entry), reason=reason,
                 organization=entry.organization, province=entry.province)
    return entry
