"""Checkpoint events: every link of a parcel's trace chain — the acceptance, the inspection, screenings and
re-checks recorded by the system, and scans posted by devices."""
from __future__ import annotations

import uuid

from django.db import models

SYSTEM_TYPES = ("ACCEPTED", "INSPECTED", "SCREENED", "RECHECKED")
SCAN_TYPES = ("ARRIVED", "SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED",
              "DELIVERY_FAILED", "EXCEPTION", "RETURNED")
EVENT_TYPES = SYSTEM_TYPES + SCAN_TYPES


class CheckpointEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True, default=uuid.uuid4)
    # Foreign keys carry no single-column index of their own: the composite indexes below lead with them.
    parcel = models.ForeignKey("parcels.Parcel", on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=20, choices=[(t, t) for t in EVENT_TYPES])
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    facility = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", db_index=False)
    vehicle = models.ForeignKey("organizations.Vehicle", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", db_index=False)
    courier = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", db_index=False, help_text="The staff member responsible for this link.")
    device = models.ForeignKey("accounts.Device", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_index=False)
    actor = models.CharField(max_length=160, blank=True, help_text="Account or device that recorded the link.")
    location = models.JSONField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    content_digest = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["parcel", "seq"]
        constraints = [models.UniqueConstraint(fields=["parcel", "seq"], name="one_link_per_position")]
        indexes = [
            models.Index(fields=["courier", "occurred_at"]),
            models.Index(fields=["vehicle", "occurred_at"]),
            models.Index(fields=["facility", "occurred_at"]),
            models.Index(fields=["device", "recorded_at"]),
        ]

    def __str__(self):
        return f"{self.type} #{self.seq}"
