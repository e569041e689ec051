"""Raising alerts. Called inside the transaction of the fact that raises them."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from greenshield.enums import AlertKind, AlertSeverity

from .models import Alert

DEFAULT_SEVERITY = {
    AlertKind.PROHIBITED_ITEM_AT_ACCEPTANCE: AlertSeverity.HIGH,
    AlertKind.BLACKLISTED_SENDER_ATTEMPT: AlertSeverity.HIGH,
    AlertKind.BLACKLISTED_STAFF_ATTEMPT: AlertSeverity.HIGH,
    AlertKind.SUSPECT_SCREENING: AlertSeverity.WARNING,
    AlertKind.PROHIBITED_SCREENING: AlertSeverity.CRITICAL,
    AlertKind.MOVEMENT_WHILE_ON_HOLD: AlertSeverity.HIGH,
    AlertKind.DISPATCH_WITHOUT_SCREENING: AlertSeverity.HIGH,
    AlertKind.UNSCREENED_OVERDUE: AlertSeverity.WARNING,
    AlertKind.EVENT_ID_CONFLICT: AlertSeverity.HIGH,
    AlertKind.EVENT_BEFORE_ACCEPTANCE: AlertSeverity.WARNING,
    AlertKind.CHAIN_INTEGRITY_FAILURE: AlertSeverity.CRITICAL,
    AlertKind.SEIZURE_REPORTED: AlertSeverity.CRITICAL,
}


def alert_raise(*, kind: AlertKind, organization, summary: str, facility=None, parcel=None, acceptance=None,
                waybill_no: str = "", detail: dict | None = None, severity: AlertSeverity | None = None,
                dedup_key: str | None = None) -> Alert | None:
    """Record an alert (no personal data in ``summary`` or ``detail``). With ``dedup_key``, a condition that
    already raised an alert raises nothing and returns ``None``."""
    alert = Alert(kind=kind, severity=severity or DEFAULT_SEVERITY[kind], organization=organization,
                  facility=facility, parcel=parcel, acceptance=acceptance,
                  waybill_no=waybill_no or getattr(parcel, "waybill_no", "") or "", summary=summary[:300],
                  detail=detail or {}, dedup_key=dedup_key)
    if dedup_key is None:
        alert.save()
        return alert
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        return None
    return alert
