"""Raising, notifying, acknowledging and resolving alerts."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
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


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an aggregating condition (a flagged scan; a device's burst of them): counted into the open
    alert of its ``aggregate_key``, or opening one. ``notify`` False: listed, but nobody's inbox gets it (the burst's
    device-level alert speaks for it)."""

    kind: str
    aggregate_key: str
    summary: str
    detail: dict
    facility_id: int | None = None
    parcel_id: uuid.UUID | None = None
    waybill_no: str = ""
    count: int = 1
    notify: bool = True


def alerts_aggregate(*, organization_id, occurrences: list[Occurrence], now) -> list[uuid.UUID]:
    """Count ``occurrences`` into their open alerts, set-based: one ``INSERT … ON CONFLICT (aggregate_key) WHERE
    status = 'OPEN' DO UPDATE SET count = count + …`` for the lot (the partial unique index keeps one open alert
    per key, whatever runs concurrently), and one outbox message notifying the alerts it opened. Returns the ids
    of the alerts opened."""
    merged: dict[str, Occurrence] = {}
    for occurrence in occurrences:
        seen = merged.get(occurrence.aggregate_key)
        merged[occurrence.aggregate_key] = occurrence if seen is None else Occurrence(
            **{**seen.__dict__, "count": seen.count + occurrence.count, "notify": seen.notify or occurrence.notify,
               "detail": {**seen.detail, "last_event_id": occurrence.detail.get("event_id")}})
    if not merged:
        return []
    rows = sorted(merged.values(), key=lambda r: r.aggregate_key)  # one lock order for concurrent batches
    opened = (_aggregate_postgresql if connection.vendor == "postgresql" else _aggregate_orm)(
        organization_id, rows, now)
    to_notify = [str(pk) for pk, row in opened if row.notify]
    if to_notify:
        outbox_put(NOTIFY_TOPIC, {"alerts": to_notify})
    return [pk for pk, _ in opened]


def _aggregate_postgresql(organization_id, rows: list[Occurrence], now) -> list[tuple[uuid.UUID, Occurrence]]:
    import orjson

    table = Alert._meta.db_table
    ids = [uuid.uuid4() for _ in rows]
    # The table from model meta, every value bound.
    sql = (f'INSERT INTO "{table}" AS a (id, kind, severity, status, organization_id, facility_id, parcel_id, '  # noqa: S608
           "waybill_no, summary, detail, aggregate_key, count, created_at, last_seen_at, note) "
           "SELECT v.id, v.kind, v.severity, %s, %s, v.facility, v.parcel, v.waybill, v.summary, v.detail, v.key, "
           "v.count, %s, %s, '' FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::int[], %s::uuid[], %s::text[], "
           "%s::text[], %s::jsonb[], %s::text[], %s::int[]) "
           "AS v(id, kind, severity, facility, parcel, waybill, summary, detail, key, count) "
           "ON CONFLICT (aggregate_key) WHERE status = 'OPEN' DO UPDATE SET count = a.count + EXCLUDED.count, "
           "last_seen_at = EXCLUDED.last_seen_at, "
           "detail = a.detail || jsonb_build_object('last_event_id', EXCLUDED.detail -> 'event_id') "
           "RETURNING id, (xmax = 0)")
    params = [AlertStatus.OPEN.value, organization_id, now, now, [str(i) for i in ids], [r.kind for r in rows],
              [AlertKind(r.kind).severity.value for r in rows], [r.facility_id for r in rows],
              [None if r.parcel_id is None else str(r.parcel_id) for r in rows], [r.waybill_no for r in rows],
              [r.summary[:300] for r in rows], [orjson.dumps(r.detail).decode() for r in rows],
              [r.aggregate_key for r in rows], [r.count for r in rows]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {row[0] for row in cursor.fetchall() if row[1]}
    return [(pk, row) for pk, row in zip(ids, rows, strict=True) if pk in inserted]


def _aggregate_orm(organization_id, rows: list[Occurrence], now) -> list[tuple[uuid.UUID, Occurrence]]:
    """The same, one row at a time (SQLite: development and the quick test run)."""
    opened = []
    for row in rows:
        alert = Alert.objects.select_for_update().filter(aggregate_key=row.aggregate_key,
                                                         status=AlertStatus.OPEN).first()
        if alert is not None:
            alert.count += row.count
            alert.last_seen_at = now
            alert.detail = {**alert.detail, "last_event_id": row.detail.get("event_id")}
            alert.save(update_fields=["count", "last_seen_at", "detail"])
            continue
        alert = Alert.objects.create(kind=row.kind, severity=AlertKind(row.kind).severity,
                                     organization_id=organization_id, facility_id=row.facility_id,
                                     parcel_id=row.parcel_id, waybill_no=row.waybill_no, summary=row.summary[:300],
                                     detail=row.detail, aggregate_key=row.aggregate_key, count=row.count,
                                     created_at=now, last_seen_at=now)
        opened.append((alert.pk, row))
    return opened


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
    """Deliver alerts (``alert``: one; ``alerts``: a batch's) to the inboxes of the people who must see them
    (exactly once per person), looking up each distinct audience once."""
    ids = payload.get("alerts") or [payload["alert"]]
    audiences: dict[tuple, list] = {}
    notifications = []
    alerts = list(Alert.objects.select_related("organization", "facility").filter(pk__in=ids))
    for alert in alerts:
        audience = (alert.organization_id, alert.severity in REGULATOR_SEVERITIES,
                    alert_province(alert.organization, alert.facility) if alert.organization_id else None)
        if audience not in audiences:
            audiences[audience] = list(alert_recipients(alert))
        notifications += [Notification(alert=alert, recipient=user) for user in audiences[audience]]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    Alert.objects.filter(pk__in=[a.pk for a in alerts], notified_at__isnull=True).update(notified_at=clock.now())


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
