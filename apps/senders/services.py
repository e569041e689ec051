"""Writes on senders and the blacklist, and the blacklist checks the acceptance and screening services use."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common import clock
from apps.common.fields import blind_index_filter
from apps.common.locks import xact_lock
from greenshield import rules
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
                  uscc: str = "", organization_name: str = "", verified: bool) -> Sender:
    """The one Sender for this identity document. A new document creates it with what was given; an existing
    sender's details are refreshed only by a ``verified`` attempt (accepted, identity matched): a refused or
    mismatched attempt — perhaps an impostor's — never changes the record others rely on. The details as given
    at each attempt are kept on its acceptance record. Serialised per document so two simultaneous first
    acceptances create one sender."""
    normalized = identity_index_value(id_type, id_number)
    xact_lock("sender", normalized)
    existing = _matching(Sender.objects.all(), Sender, id_type, id_number)
    if existing and not verified:
        return existing[0]
    sender = existing[0] if existing else Sender(id_type=id_type, id_number=id_number, created_at=clock.now())
    sender.kind = kind
    if sender.name != name:
        sender.name = name
    if sender.phone != phone:
        sender.phone = phone
    if sender.address != address:
        sender.address = address
    if kind == SenderKind.ORGANIZATION:
        sender.uscc, sender.organization_name = uscc, organization_name
    sender.last_seen_at = clock.now()
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


def blacklisted_staff_ids(staff_members) -> set:
    """Of ``staff_members``, those barred by an entry in force — naming them, or naming their identity document —
    in one query for the entries (decrypting only blind-index candidates)."""
    staff_members = list(staff_members)
    if not staff_members:
        return set()
    organization_ids = {s.organization_id for s in staff_members}
    indexes = [s.id_number_index for s in staff_members if s.id_number_index]
    entries = list(BlacklistEntry.objects.in_force().filter(subject=BlacklistSubject.STAFF).filter(
        Q(organization__isnull=True) | Q(organization__in=organization_ids)).filter(
        Q(staff__in=staff_members) | Q(staff__isnull=True, id_number_index__in=indexes)))
    barred = set()
    for staff in staff_members:
        for entry in entries:
            if entry.organization_id not in (None, staff.organization_id):
                continue
            if entry.staff_id == staff.pk or (entry.staff_id is None and entry.id_number_index == staff.id_number_index
                                              and entry.id_type == staff.id_type
                                              and entry.id_number == staff.id_number):
                barred.add(staff.pk)
                break
    return barred


def staff_standing(*, staff) -> str | None:
    """The one rule of standing [R15]: ``staff_blacklisted``, ``staff_inactive`` (suspended or left), or None."""
    return rules.staff_standing_refusal(status=staff.status, blacklisted=staff_blacklist_entry(staff=staff) is not None)


STANDING_DETAIL = {"staff_blacklisted": "is blacklisted", "staff_inactive": "is suspended or has left"}
STANDING_ALERT = {"staff_blacklisted": AlertKind.BLACKLISTED_STAFF_ATTEMPT,
                  "staff_inactive": AlertKind.INACTIVE_STAFF_ATTEMPT}


def staff_ensure_in_good_standing(*, staff, action: str, actor=None, facility=None, audit_action: str = "") -> None:
    """403 ``staff_blacklisted`` or ``staff_inactive`` for a staff member who may not ``action`` [R15]. Given an
    ``actor``, the refused attempt is itself recorded first — an alert and an audit entry, in their own
    transaction, so the 403 cannot roll them back. Call it before the transaction of the action it guards."""
    refusal = staff_standing(staff=staff)
    if refusal is None:
        return
    if actor is not None:
        from apps.compliance.services import attempt_refused

        where = f" at {facility.code}" if facility is not None else ""
        attempt_refused(actor=actor, kind=STANDING_ALERT[refusal], organization=staff.organization, facility=facility,
                        summary=f"Staff {staff.employee_no} ({STANDING_DETAIL[refusal]}) tried to {action}{where}",
                        detail={"staff": staff.employee_no, "reason": refusal},
                        audit_action=audit_action or "staff.denied", target=staff, target_repr=staff.employee_no,
                        reason=refusal)
    raise PermissionDenied(f"This staff member {STANDING_DETAIL[refusal]} and cannot {action}.", code=refusal)


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
                           organization=organization, created_by=actor, staff=staff, created_at=clock.now(),
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
