"""Recording X-ray screenings and their re-checks; each is a link of the parcel's chain and an audit entry."""
from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction

from apps.audit.services import audit_record
from apps.common import clock
from apps.common.permissions import user_may
from apps.common.principals import is_device
from apps.compliance.services import alert_raise, alerts_resolve_for_parcel, attempt_refused
from apps.organizations.models import Facility, Staff
from apps.parcels.chain import LinkSpec, chain_append
from apps.parcels.models import Parcel
from apps.parcels.services import parcel_for_update
from apps.senders.services import staff_ensure_in_good_standing
from greenshield import rules
from greenshield.capabilities import Capability
from greenshield.enums import AlertKind, EventType, ParcelStatus, ResolutionResult, Role, ScreeningStatus
from greenshield.errors import NotFound, PermissionDenied, ValidationFailed

from .models import Resolution, Screening


def _screening_facility(actor, code: str) -> Facility:
    """The facility the actor may screen at: a screener's own, a device's own (superusers: any). Anything else is
    ``unknown_facility`` — other facilities are not revealed."""
    facility = Facility.objects.select_related("organization").filter(code=code).first()
    if facility is not None:
        if is_device(actor):
            allowed = facility.pk == actor.device.facility_id
        elif actor.is_superuser:
            allowed = True
        else:
            allowed = facility.pk == actor.facility_id
        if allowed:
            return facility
    raise ValidationFailed("Unknown facility.", code="unknown_facility", attr="facility")


def _operator(*, actor, facility: Facility, employee_no: str | None) -> Staff:
    """The staff member responsible for the screening (人员责任可倒查): for an account, the one linked to it — a
    body naming anyone else is refused (403 ``operator_mismatch``) and recorded; for a device (or an operator
    acting for one), the named staff member of the facility."""
    if is_device(actor) or actor.is_superuser:
        if not employee_no:
            raise ValidationFailed("A scanner's screening names its operator.", code="required", attr="operator")
        operator = Staff.objects.select_related("organization").filter(
            facility=facility, employee_no=employee_no).first()
        if operator is None:
            raise ValidationFailed("Unknown operator.", code="unknown_operator", attr="operator")
        return operator
    staff = actor.staff
    if staff is None or staff.facility_id != actor.facility_id:
        raise PermissionDenied("Your account is not linked to a staff member of your facility.",
                               code="staff_not_linked")
    if employee_no and employee_no != staff.employee_no:
        attempt_refused(actor=actor, kind=AlertKind.OPERATOR_MISMATCH, organization=facility.organization,
                        facility=facility, audit_action="screening.denied", reason="operator_mismatch",
                        summary=f"Account {actor.username} (staff {staff.employee_no}) tried to record a screening "
                                f"as operator {employee_no[:32]} at {facility.code}",
                        detail={"staff": staff.employee_no, "claimed_operator": employee_no[:32]},
                        target=staff, target_repr=staff.employee_no)
        raise PermissionDenied("You record screenings in your own name only.", code="operator_mismatch")
    return staff


def screening_record(*, actor, waybill_no: str, facility: str, machine_id: str, result: str, image_ref: str,
                     image_sha256: str, screened_at, operator: str | None = None) -> Screening:
    """Record one X-ray result [R12]; SUSPECT or PROHIBITED put the parcel on hold and raise an alert [R13].
    The operator is the authenticated person (or, for a scanner, an active staff member of its facility); a
    refused operator — not in good standing, or not the account's own — is recorded before the 403 [R15]."""
    facility_obj = _screening_facility(actor, facility)
    operator_obj = _operator(actor=actor, facility=facility_obj, employee_no=operator)
    staff_ensure_in_good_standing(staff=operator_obj, action="screen parcels", actor=actor, facility=facility_obj,
                                  audit_action="screening.denied")
    return _screening_store(actor=actor, facility_obj=facility_obj, operator_obj=operator_obj, waybill_no=waybill_no,
                            machine_id=machine_id, result=result, image_ref=image_ref, image_sha256=image_sha256,
                            screened_at=screened_at)


@transaction.atomic
def _screening_store(*, actor, facility_obj, operator_obj, waybill_no, machine_id, result, image_ref, image_sha256,
                     screened_at) -> Screening:
    parcel = parcel_for_update(organization=facility_obj.organization, waybill_no=waybill_no)
    device = actor.device if is_device(actor) else None
    screening = Screening.objects.create(
        parcel=parcel, facility=facility_obj, machine_id=machine_id, operator=operator_obj, result=result,
        image_ref=image_ref, image_sha256=image_sha256, screened_at=screened_at, recorded_by=actor.username,
        device=device, recorded_at=clock.now(),
    )
    new_status, new_screening, alert_kind = rules.screening_outcome(
        result=result, current_status=parcel.status, current_screening=parcel.screening_status)
    if new_status == ParcelStatus.ON_HOLD and parcel.status != ParcelStatus.ON_HOLD:
        parcel.status_before_hold = parcel.status
    parcel.status, parcel.screening_status = new_status, new_screening
    parcel.save(update_fields=["status", "screening_status", "status_before_hold", "updated_at"])
    chain_append(parcel=parcel, recorded_at=screening.recorded_at, links=[LinkSpec(
        type=EventType.SCREENED, occurred_at=screened_at, facility=facility_obj, courier=operator_obj, device=device,
        actor=actor.username, detail={"screening": str(screening.pk), "result": result, "machine_id": machine_id,
                                      "image_ref": image_ref, "image_sha256": image_sha256})])
    if alert_kind is not None:
        alert_raise(kind=alert_kind, organization=parcel.organization, facility=facility_obj, parcel=parcel,
                    summary=f"{parcel.waybill_no}: X-ray {result} at {facility_obj.code}, parcel on hold",
                    detail={"screening": str(screening.pk), "machine_id": machine_id},
                    dedup_key=f"screening:{screening.pk}")
    audit_record(actor=actor, action="screening.record", target=screening,
                 target_repr=f"{parcel.waybill_no} {result}", organization=parcel.organization,
                 province=facility_obj.province,
                 data={"result": result, "facility": facility_obj.code, "operator": operator_obj.employee_no})
    return screening


def screening_for_resolution(*, user, screening_id) -> Screening:
    """A screening in the user's scope that the user may re-check (a screener's at their hub, a supervisor's in
    their company); anything else is not found."""
    screening = None
    if user_may(user, Capability.RESOLVE_HOLD):
        screening = (Screening.objects.restrict(user).select_related("parcel", "facility__organization")
                     .filter(pk=screening_id).first())
    if screening is None:
        raise NotFound()
    return screening


def screening_resolve(*, user, screening: Screening, result: str, notes: str = "") -> Resolution:
    """The open-box re-check [R13]: CLEARED lifts the hold, SEIZED keeps the parcel and records the report to
    the authorities [R9]. Either way a chain link, an audit entry, and the hold's alert is resolved. The staff
    member who opens the box is the account's own (a screener's always; a supervisor's when linked), and must be
    in good standing — a refused re-check is recorded before the 403 [R15]."""
    staff = getattr(user, "staff", None)
    if staff is None and user.role == Role.SCREENER:
        raise PermissionDenied("Your account is not linked to a staff member of your facility.",
                               code="staff_not_linked")
    if staff is not None:
        staff_ensure_in_good_standing(staff=staff, action="re-check held parcels", actor=user,
                                      facility=screening.facility, audit_action="screening.resolve_denied")
    return _resolution_store(user=user, staff=staff, screening=screening, result=result, notes=notes)


@transaction.atomic
def _resolution_store(*, user, staff, screening: Screening, result: str, notes: str) -> Resolution:
    parcel = parcel_for_update(organization=screening.parcel.organization, waybill_no=screening.parcel.waybill_no)
    screening.parcel = parcel
    other_holds = Screening.objects.filter(parcel=parcel, result__in=list(rules.HOLDING_RESULTS),
                                           resolution__isnull=True).exclude(pk=screening.pk).exists()
    parcel.status, parcel.screening_status = rules.resolution_outcome(
        screening_result=screening.result, already_resolved=Resolution.objects.filter(screening=screening).exists(),
        result=result, parcel_status=parcel.status, screening_status=parcel.screening_status,
        status_before_hold=parcel.status_before_hold, other_holds=other_holds)
    now = clock.now()
    resolution = Resolution(screening=screening, result=result, notes=notes, resolved_by=user, staff=staff,
                            resolved_at=now)
    if result == ResolutionResult.SEIZED:
        resolution.authority_report_ref = f"RPT-{now:%Y%m%d}-{secrets.token_hex(4).upper()}"
        resolution.reported_at = now
    resolution.save()
    parcel.save(update_fields=["status", "screening_status", "updated_at"])
    facility = screening.facility
    chain_append(parcel=parcel, recorded_at=now, links=[LinkSpec(
        type=EventType.RECHECKED, occurred_at=now, facility=facility, courier=staff, actor=user.username,
        detail={"screening": str(screening.pk), "result": result,
                "authority_report_ref": resolution.authority_report_ref})])
    # A clearance ends this screening's alert only (another suspect screening may still hold the parcel);
    # a seizure ends the hold altogether.
    alerts_resolve_for_parcel(parcel=parcel, kinds=[AlertKind.SUSPECT_SCREENING, AlertKind.PROHIBITED_SCREENING],
                              actor=user, note=f"Re-check {result.lower()}",
                              dedup_keys=None if result == ResolutionResult.SEIZED else [f"screening:{screening.pk}"])
    if result == ResolutionResult.SEIZED:
        alert_raise(kind=AlertKind.SEIZURE_REPORTED, organization=parcel.organization, facility=facility,
                    parcel=parcel, summary=f"{parcel.waybill_no} seized at {facility.code}; reported "
                                           f"({resolution.authority_report_ref})",
                    detail={"screening": str(screening.pk), "report": resolution.authority_report_ref},
                    dedup_key=f"seizure:{screening.pk}")
    audit_record(actor=user, action="screening.resolve", target=resolution,
                 target_repr=f"{parcel.waybill_no} {result}", reason=notes, organization=parcel.organization,
                 province=facility.province, data={"result": result, "screening": str(screening.pk)})
    return resolution


def unscreened_sweep(*, now: datetime.datetime | None = None, max_hours: float | None = None) -> int:
    """Raise one alert per parcel accepted more than ``max_hours`` ago with no screening yet [R11]."""
    now = now or clock.now()
    max_hours = settings.GREENSHIELD_UNSCREENED_MAX_HOURS if max_hours is None else max_hours
    overdue = (Parcel.objects.filter(screening_status=ScreeningStatus.PENDING,
                                     accepted_at__lt=now - datetime.timedelta(hours=max_hours))
               .exclude(alerts__kind=AlertKind.UNSCREENED_OVERDUE)
               .select_related("organization", "outlet").order_by("accepted_at"))
    raised = 0
    for parcel in overdue.iterator(chunk_size=500):
        if not rules.unscreened_overdue(accepted_at=parcel.accepted_at, screening_status=parcel.screening_status,
                                        now=now, max_hours=max_hours):
            continue
        with transaction.atomic():
            hours = (now - parcel.accepted_at).total_seconds() / 3600
            raised += alert_raise(
                kind=AlertKind.UNSCREENED_OVERDUE, organization=parcel.organization, facility=parcel.outlet,
                parcel=parcel, summary=f"{parcel.waybill_no}: no screening {hours:.0f} h after acceptance",
                detail={"hours_since_acceptance": round(hours, 1), "limit_hours": max_hours},
                dedup_key=f"unscreened:{parcel.pk}",
            ) is not None
    return raised
