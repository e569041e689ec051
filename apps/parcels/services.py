"""Real-name acceptance with inspection: one service decides every attempt, in one transaction."""
from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from apps.audit.services import audit_record
from apps.common import clock
from apps.common.fields import blind_index_filter
from apps.common.permissions import ensure_may
from apps.common.request_context import current_request_id
from apps.compliance.services import alert_raise
from apps.senders.models import Sender, Verification
from apps.senders.services import (
    sender_blacklist_entry,
    sender_upsert,
    staff_ensure_in_good_standing,
)
from greenshield import crypto, masking, rules
from greenshield.capabilities import Capability
from greenshield.enums import EventType, FacilityKind, Outcome, VerificationMethod
from greenshield.errors import PermissionDenied, ValidationFailed
from greenshield.identity import identity_index_value

from .chain import LinkSpec, chain_append
from .models import AcceptanceItem, AcceptanceRecord, Inspection, LinkPersonalData, Parcel, ProhibitedCategory


def prohibited_categories_load(path=None) -> int:
    """(Re)load the prohibited-item catalogue [R10] from fixtures/prohibited_items.json; returns the count."""
    import json
    from pathlib import Path

    from django.conf import settings

    path = path or Path(settings.BASE_DIR) / "fixtures" / "prohibited_items.json"
    categories = json.loads(Path(path).read_text(encoding="utf-8"))["categories"]
    for category in categories:
        ProhibitedCategory.objects.update_or_create(
            code=category["code"], defaults={"name": category["name"], "examples": category.get("examples", "")})
    return len(categories)


def waybill_generate(organization) -> str:
    """Server-assigned waybill: the company's waybill prefix, date, 8 random digits (retried on the rare
    collision)."""
    today = clock.localdate().strftime("%y%m%d")
    for _ in range(8):
        candidate = f"{organization.waybill_space}{today}{secrets.randbelow(10**8):08d}"
        if not Parcel.objects.filter(waybill_no=candidate).exists():
            return candidate
    raise RuntimeError("could not assign a unique waybill number")


def parcel_for_update(*, organization, waybill_no: str, attr: str = "waybill_no") -> Parcel:
    """The company's parcel with this waybill, locked for the caller's transaction. A waybill only seen on a
    refused attempt is ``parcel_refused``; anything else the company does not have is ``unknown_parcel``
    (another company's parcels are never revealed)."""
    parcel = Parcel.objects.select_for_update().filter(organization=organization, waybill_no=waybill_no).first()
    if parcel is not None:
        return parcel
    if AcceptanceRecord.objects.filter(organization=organization, waybill_no=waybill_no,
                                       outcome=Outcome.REFUSED).exists():
        raise ValidationFailed("This waybill belongs to a refused acceptance and cannot be used.",
                               code="parcel_refused", attr=attr)
    raise ValidationFailed("No parcel with this waybill number.", code="unknown_parcel", attr=attr)


def _staff_of(account):
    """The staff member responsible for what this account records: the one linked to it, working at the
    account's own outlet (人员责任可倒查)."""
    staff = account.staff
    if staff is None or account.facility_id is None or staff.facility_id != account.facility_id:
        raise PermissionDenied("Your account is not linked to a staff member of your outlet.", code="staff_not_linked")
    if account.facility.kind != FacilityKind.OUTLET:
        raise PermissionDenied("Acceptances are recorded at outlets.", code="not_an_outlet")
    return staff


def acceptance_precheck(*, account) -> None:
    """Refuse, before anything else, an account that cannot accept: not linked to a staff member of its outlet,
    or that member suspended, departed or blacklisted [R15]. The refused attempt is itself recorded (alert and
    audit entry) before the 403."""
    staff_ensure_in_good_standing(staff=_staff_of(account), action="accept parcels", actor=account,
                                  facility=account.facility, audit_action="acceptance.denied")


def waybill_ensure_own(*, organization, waybill_no: str) -> None:
    """A client-given waybill must carry the company's own prefix: waybill spaces of companies never overlap, so
    no answer can tell a company whether another company's waybill exists."""
    if not waybill_no.startswith(organization.waybill_space):
        raise ValidationFailed(f"Your company's waybill numbers start with {organization.waybill_space}.",
                               code="invalid_waybill", attr="waybill_no")


@transaction.atomic
@sensitive_variables()  # personal data in clear: never in an error report's frames
def acceptance_record(*, account, sender: dict, recipient: dict, items: list[dict], weight_g: int,
                      verification: dict, inspection: dict, waybill_no: str | None = None) -> AcceptanceRecord:
    """Record one acceptance attempt and decide it. Input is already well-formed (serializer); this decides the
    outcome, stores the attempt whatever it is, starts the trace chain of an accepted parcel, raises alerts and
    writes the audit entry — all or nothing."""
    staff = _staff_of(account)
    outlet = account.facility
    organization = outlet.organization
    staff_ensure_in_good_standing(staff=staff, action="accept parcels")
    if waybill_no:
        waybill_ensure_own(organization=organization, waybill_no=waybill_no)
        if Parcel.objects.filter(waybill_no=waybill_no).exists():
            raise ValidationFailed("This waybill number is already in use.", code="waybill_exists", attr="waybill_no")
    categories = {c.code: c for c in ProhibitedCategory.objects.filter(
        code__in=[i["prohibited_category"] for i in items if i.get("prohibited_category")])}
    for index, item in enumerate(items):
        code = item.get("prohibited_category")
        if code and code not in categories:
            raise ValidationFailed("Unknown prohibited-item category.", code="unknown_prohibited_category",
                                   attr=f"items.{index}.prohibited_category")

    now = clock.now()
    blacklisted = sender_blacklist_entry(organization=organization, id_type=sender["id_type"],
                                         id_number=sender["id_number"]) is not None
    decision = rules.acceptance_decide(
        inspection_result=inspection["result"], safety_certificate_ref=inspection.get("safety_certificate_ref", ""),
        declared_prohibited=bool(categories), identity_matched=verification["identity_matched"],
        sender_blacklisted=blacklisted,
    )
    accepted = decision.outcome == Outcome.ACCEPTED
    sender_obj = sender_upsert(**sender, verified=accepted and verification["identity_matched"])
    if accepted and not waybill_no:
        waybill_no = waybill_generate(organization)
    record = AcceptanceRecord(
        waybill_no=waybill_no or "", outcome=decision.outcome, refusal_reason=decision.refusal_reason or "",
        organization=organization, outlet=outlet, staff=staff, account=account, sender=sender_obj,
        given_sender_name=sender["name"], given_sender_phone=sender["phone"], given_sender_address=sender["address"],
        given_sender_organization_name=sender.get("organization_name", ""), given_sender_uscc=sender.get("uscc", ""),
        recipient_name=recipient["name"], recipient_phone=recipient["phone"], recipient_address=recipient["address"],
        recipient_region_code=recipient["region_code"], weight_g=weight_g, recorded_at=now,
        request_id=current_request_id(),
    )
    record.save()
    AcceptanceItem.objects.bulk_create([
        AcceptanceItem(acceptance=record, name=i["name"], quantity=i["quantity"],
                       prohibited_category=categories.get(i.get("prohibited_category") or ""))
        for i in items
    ])
    inspection_obj = Inspection.objects.create(
        acceptance=record, inspector=staff, inspected_at=now, sender_present=inspection["sender_present"],
        result=inspection["result"], notes=inspection.get("notes", ""),
        safety_certificate_ref=inspection.get("safety_certificate_ref", ""),
    )
    contract_customer = verification["method"] == VerificationMethod.CONTRACT_CUSTOMER
    Verification.objects.create(sender=sender_obj, acceptance=record, method=verification["method"],
                                identity_matched=verification["identity_matched"], verified_by=staff,
                                verified_at=now, contract_customer=contract_customer)
    parcel = None
    if accepted:
        try:
            with transaction.atomic():
                parcel = Parcel.objects.create(waybill_no=waybill_no, organization=organization, outlet=outlet,
                                               acceptance=record, sender=sender_obj, accepted_at=now, status_since=now,
                                               contract_customer=contract_customer)
        except IntegrityError:
            # A simultaneous attempt took this waybill after the check above: the same 400, nothing stored.
            raise ValidationFailed("This waybill number is already in use.", code="waybill_exists",
                                   attr="waybill_no") from None
        chain_append(parcel=parcel, recorded_at=now, links=[
            LinkSpec(type=EventType.ACCEPTED, occurred_at=now, facility=outlet, courier=staff, actor=account.username,
                     detail={"acceptance": str(record.pk), "real_name": {
                         "method": verification["method"], "identity_matched": verification["identity_matched"],
                         "sender": str(sender_obj.pk), "contract_customer": contract_customer},
                         "items": sum(i["quantity"] for i in items), "weight_g": weight_g,
                         "recipient_region_code": recipient["region_code"]}),
            LinkSpec(type=EventType.INSPECTED, occurred_at=now, facility=outlet, courier=staff, actor=account.username,
                     detail={"result": inspection_obj.result, "sender_present": inspection_obj.sender_present,
                             "safety_certificate_ref": inspection_obj.safety_certificate_ref}),
        ])
    for kind in decision.alerts:
        alert_raise(kind=kind, organization=organization, facility=outlet, parcel=parcel, acceptance=record,
                    waybill_no=waybill_no or "",
                    summary=f"{kind.replace('_', ' ').capitalize()} at {outlet.code} (staff {staff.employee_no})",
                    detail={"acceptance": str(record.pk), "outcome": decision.outcome,
                            "categories": sorted(categories)})
    audit_record(actor=account, action="acceptance.record", target=record,
                 target_repr=f"{record.waybill_no or '(refused)'} {decision.outcome}", organization=organization,
                 province=outlet.province,
                 data={"outcome": decision.outcome, "refusal_reason": decision.refusal_reason,
                       "outlet": outlet.code, "staff": staff.employee_no, "sender": str(sender_obj.pk)})
    record.parcel_obj = parcel
    return record


@transaction.atomic
@sensitive_variables()
def parcel_reveal(*, user, parcel: Parcel, reason: str, legal_basis: str = "", case_reference: str = "") -> dict:
    """The unmasked sender and recipient of a parcel [R17][R18]. The audit entry is written first, in the same
    transaction: if it cannot be written, nothing is revealed."""
    ensure_may(user, Capability.REVEAL_PERSONAL_DATA, "Only supervisors and regulators may reveal personal data.")
    if len((reason or "").strip()) < 5:
        raise ValidationFailed("Give the reason for revealing personal data.", code="reason_required", attr="reason")
    # The entry belongs to the province where the personal data was collected (the accepting outlet's), so that
    # province's regulator sees every disclosure of it, whoever made it.
    personal = list(LinkPersonalData.objects.filter(event__parcel=parcel, location__isnull=False,
                                                    parcel_accepted_at=parcel.accepted_at,
                                                    event__parcel_accepted_at=parcel.accepted_at)
                    .select_related("event").order_by("event__seq"))
    fields = ["sender", "recipient", *(["locations"] if personal else [])]
    audit_record(actor=user, action="pii.reveal", target=parcel, target_repr=parcel.waybill_no, reason=reason.strip(),
                 organization=parcel.organization, province=parcel.outlet.province,
                 data={"fields": fields, "legal_basis": legal_basis, "case_reference": case_reference,
                       "by_province": getattr(user, "province", "") or "",
                       **({"links": [p.event.seq for p in personal]} if personal else {})})
    acceptance = parcel.acceptance
    return {"waybill_no": parcel.waybill_no, "sender": acceptance.unmasked_sender,
            "recipient": acceptance.unmasked_recipient,
            "locations": [{"event_id": str(p.event.event_id), "seq": p.event.seq, "type": p.event.type,
                           "occurred_at": p.event.occurred_at, "location": p.location_value} for p in personal]}


@transaction.atomic
@sensitive_variables()
def sender_search(*, user, reason: str, id_type: str = "", id_number: str = "", phone: str = "") -> list[Sender]:
    """Find senders by identity document, or by any phone given on an acceptance in the user's scope, through the
    blind indexes (candidates decrypted and compared); only senders with acceptances in the user's scope. Audited
    in the same transaction with who, why and what was searched — masked and as its blind index, never in clear."""
    ensure_may(user, Capability.SEARCH_SENDERS, "Only supervisors and regulators search senders.")
    in_scope = AcceptanceRecord.objects.restrict(user)
    if id_number:
        normalized = identity_index_value(id_type, id_number)
        candidates = Sender.objects.filter(blind_index_filter(Sender, "id_number_index", normalized), id_type=id_type)
        matches = [s for s in candidates if s.id_number == id_number]
        visible = set(in_scope.filter(sender__in=matches).values_list("sender_id", flat=True))
        found = [s for s in matches if s.pk in visible]
        searched = {"by": "id_number", "id_type": id_type, "value": masking.mask_id_number(id_number),
                    "index": crypto.blind_index(crypto.current_keyring(), normalized, index="identity")}
    else:
        given = in_scope.filter(blind_index_filter(AcceptanceRecord, "given_sender_phone_index", phone)).only(
            "id", "sender_id", "given_sender_phone")
        sender_ids = {record.sender_id for record in given if record.given_sender_phone == phone}
        found = list(Sender.objects.filter(pk__in=sender_ids).order_by("-last_seen_at"))
        searched = {"by": "phone", "value": masking.mask_phone(phone),
                    "index": crypto.blind_index(crypto.current_keyring(), phone, index="phone")}
    audit_record(actor=user, action="sender.search", target_type="senders.sender",
                 target_id=",".join(str(s.pk) for s in found)[:160], target_repr=f"{len(found)} sender(s)",
                 reason=reason, province=getattr(user, "province", "") or "",
                 data={**searched, "matches": len(found)})
    return found
