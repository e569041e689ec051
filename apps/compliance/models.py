"""Compliance alerts: a rule broken or an incident that a supervisor or regulator must look at."""
from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from apps.common.scoping import RestrictedQuerySet, Scope, TerritoryRows
from greenshield.enums import AlertKind, AlertSeverity, AlertStatus, choices


class Alert(models.Model):
    """A rule broken or an incident: raised at (or about) a facility of a company. A regulator sees the alerts
    raised at facilities of their province and those about parcels whose trace passes through it."""

    scoped_by = Scope(facility="facility", territory=(
        "facility__province", TerritoryRows("territories", "parcel"),
        lambda provinces: models.Q(facility__isnull=True, organization__province__in=provinces)))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40, choices=choices(AlertKind), db_index=True)
    severity = models.CharField(max_length=10, choices=choices(AlertSeverity), db_index=True)
    status = models.CharField(max_length=14, choices=choices(AlertStatus), default=AlertStatus.OPEN, db_index=True)
    # No company for an alert about the installation itself (the transparency log falling behind): operators only.
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="alerts")
    facility = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="alerts")
    parcel = models.ForeignKey("parcels.Parcel", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="alerts")
    acceptance = models.ForeignKey("parcels.AcceptanceRecord", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="alerts")
    waybill_no = models.CharField(max_length=32, blank=True, db_index=True)
    summary = models.CharField(max_length=300, help_text="What happened, without personal data.")
    detail = models.JSONField(default=dict, blank=True)
    dedup_key = models.CharField(max_length=200, unique=True, null=True, blank=True,
                                 help_text="Stops the same condition raising two alerts.")
    # Alerts that aggregate (flagged scans): one OPEN alert per key — ``parcel:<id>:<kind>`` or
    # ``device:<id>:<kind>`` — whose ``count`` grows with each occurrence (``alerts_aggregate``).
    aggregate_key = models.CharField(max_length=200, null=True, blank=True,  # noqa: DJ001 - NULL: not aggregating
                                     help_text="One open alert per key; further occurrences add to its count.")
    count = models.PositiveIntegerField(default=1, db_default=1, help_text="Occurrences this alert stands for.")
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="When the latest occurrence was recorded.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    note = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["aggregate_key"], condition=models.Q(status="OPEN"),
                                               name="one_open_alert_per_aggregate")]

    def __str__(self):
        return f"{self.kind} {self.waybill_no or ''}".strip()


class Notification(models.Model):
    """An alert delivered to a person's inbox (supervisors of the company; regulators of the province for
    serious alerts). One per alert and person, whatever happens to the workers."""

    scoped_by = Scope(operators_only=True)

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["alert", "recipient"], name="one_notification_per_person")]

    def __str__(self):
        return f"{self.alert} → {self.recipient}"
