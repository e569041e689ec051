"""Raising, notifying, acknowledging and resolving alerts."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.common import clock
from apps.common.outbox import outbox_handler, outbox_put
from apps.transparency.services import MERGE_DELAY_TOPIC
from greenshield import rules
from greenshield.enums import AlertKind, AlertSeverity, AlertStatus, Role

from .models import Alert, Notification

REGULATOR_SEVERITIES = {AlertSeverity.HIGH, AlertSeverity.CRITICAL}
NOTIFY_TOPIC = "alert.notify"


def alert_raise(*, kind: AlertKind, organization, summary: str, facility=None, parcel=None, acceptance=None,
                waybill_no: str = "", detail: dict | None = None, severity: AlertSeverity | None = None,
                dedup_key: str | None = None, facility_id: int | None = None) -> Alert | None:
    """Record an alert and, in the same transaction, the outbox message that notifies people of it. No personal
    data in ``summary`` or ``detail``. With ``dedup_key``, a condition already alerted raises nothing (None)."""
    alert = Alert(kind=kind, severity=severity or AlertKind(kind).severity, organization=organization,
                  facility_id=facility.pk if facility is not None else facility_id, parcel=parcel, acceptance=acceptance,
                  waybill_no=waybill_no or getattr(parcel, "waybill_no", "") or "", summary=summary[:300],
                  detail=detail or {}, dedup_key=dedup_key, created_at=clock.now())
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        if dedup_key is None:
            raise
        return None
    outbox_put(NOTIFY_TOPIC, {"alert": str(alert.pk)})
    return alert


def attempt_refused(*, actor, kind: AlertKind, organization, summary: str, audit_action: str, reason: str,
                    facility=None, detail: dict | None = None, target=None, target_repr: str = "") -> None:
    """Record a refused attempt as a fact — an alert and an audit entry — in a transaction of its own, so the
    refusal (a 403 raised right after) cannot roll the record back."""
    with transaction.atomic():
        alert_raise(kind=kind, organization=organization, facility=facility, summary=summary, detail=detail)
        audit_record(actor=actor, action=audit_action, target=target, target_repr=target_repr,
                     organization=organization, province=alert_province(organization, facility),
                     data={"reason": reason, **({"facility": facility.code} if facility is not None else {})})


def alert_province(organization, facility) -> str:
    """The province whose regulator an alert concerns: where it happened (the facility), else the company's."""
    return facility.province if facility is not None else organization.province


def alert_recipients(alert: Alert):
    """Active supervisors of the company; for serious alerts also the regulators of the province where it
    happened (the facility's; the company's when there is no facility). An alert about the installation itself
    (no company) goes to its operators."""
    if alert.organization_id is None:
        return User.objects.filter(is_superuser=True, is_active=True)
    people = Q(groups__name=Role.SUPERVISOR, organization=alert.organization_id)
    if alert.severity in REGULATOR_SEVERITIES:
        people |= Q(groups__name=Role.REGULATOR, province=alert_province(alert.organization, alert.facility))
    # One query with OR rather than a UNION: SQLite refuses a UNION of querysets ordered by the model's Meta.
    return User.objects.filter(people, is_active=True).distinct()


@outbox_handler(NOTIFY_TOPIC)
def alert_notify(payload: dict) -> None:
    """Deliver an alert to the inboxes of the people who must see it (exactly once per person)."""
    alert = Alert.objects.select_related("organization", "facility").get(pk=payload["alert"])
    recipients = list(alert_recipients(alert))
    Notification.objects.bulk_create([Notification(alert=alert, recipient=user) for user in recipients],
                                     ignore_conflicts=True)
    Alert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(notified_at=clock.now())


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor, note: str = "") -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    alert.status = rules.alert_transition("acknowledge", alert.status)
    alert.acknowledged_at, alert.acknowledged_by = clock.now(), actor
    if note:
        alert.note = (alert.note + "\n" if alert.note else "") + note
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "note"])
    audit_record(actor=actor, action="alert.acknowledge", target=alert, target_repr=str(alert), reason=note,
                 organization=alert.organization, province=alert_province(alert.organization, alert.facility))
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, actor, note: str) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    rules.alert_transition("resolve", alert.status)
    _resolve(alert, actor=actor, note=note)
    audit_record(actor=actor, action="alert.resolve", target=alert, target_repr=str(alert), reason=note,
                 organization=alert.organization, province=alert_province(alert.organization, alert.facility))
    return alert


def _resolve(alert: Alert, *, actor, note: str) -> None:
    now = clock.now()
    if alert.status == AlertStatus.OPEN:
        alert.acknowledged_at, alert.acknowledged_by = now, actor
    alert.status = rules.alert_transition("resolve", alert.status)
    alert.resolved_at, alert.resolved_by = now, actor
    alert.note = (alert.note + "\n" if alert.note else "") + note
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by", "note"])


def alerts_resolve_for_parcel(*, parcel, kinds, actor, note: str, dedup_keys=None) -> int:
    """Resolve the parcel's open alerts of ``kinds`` (a re-check clears the suspect-screening alert); with
    ``dedup_keys``, only the alerts raised under those keys."""
    alerts = Alert.objects.select_for_update().filter(parcel=parcel, kind__in=list(kinds)).exclude(
        status=AlertStatus.RESOLVED)
    if dedup_keys is not None:
        alerts = alerts.filter(dedup_key__in=list(dedup_keys))
    count = 0
    for alert in alerts:
        _resolve(alert, actor=actor, note=note)
        count += 1
    return count


@outbox_handler(MERGE_DELAY_TOPIC)
def log_merge_delay_alert(payload: dict) -> None:
    """The transparency log's integrator let a leaf wait beyond the maximum merge delay: one alert a minute at
    most, for the operators."""
    alert_raise(kind=AlertKind.LOG_MERGE_DELAY, organization=None,
                summary=f"Evidence waited {payload['delay_seconds']} s for the transparency log "
                        f"(maximum merge delay {payload['limit_seconds']} s)",
                detail=payload, dedup_key=f"log-merge-delay:{payload['at'][:16]}")
