"""Capture jobs (an EPCIS document a scanner posted, processed by a worker) and agencies' subscriptions."""
from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from apps.common.fields import EncryptedTextField
from apps.common.scoping import RestrictedQuerySet, Scope
from greenshield.enums import LabelledEnum, Tone, choices


class CaptureJob(models.Model):
    """One ``POST /epcis/capture/``: the document's ObjectEvents already mapped to scans (the raw document is not
    kept: it could carry anything), then the per-event results once a worker has fed them to the ingest."""

    scoped_by = Scope(organization="organization", facility="device__facility")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey("accounts.Device", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    running = models.BooleanField(default=True)
    success = models.BooleanField(default=True)
    scans = models.JSONField(default=list, help_text="The mapped scans, as the native capture takes them.")
    results = models.JSONField(default=list, help_text="One result per scan, as the native capture answers.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"capture {self.pk}"


class SubscriptionStatus(LabelledEnum):
    ACTIVE = "ACTIVE", "Delivering", Tone.GOOD
    DEAD = "DEAD", "Stopped after repeated failures (resume it)", Tone.BAD


class Subscription(models.Model):
    """A standing EPCIS query of an agency, delivered to its webhook: a cursor on (record time, link id) moves only
    when the receiver has acknowledged a page, so nothing is sent twice or skipped; failures back off and, after
    too many in a row, the subscription stops (dead letter) until an operator or its owner resumes it."""

    scoped_by = Scope(organization=None, owner="owner")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    query = models.JSONField(default=dict, help_text="EPCIS query parameters, e.g. {\"EQ_bizStep\": \"departing\"}.")
    dest = models.URLField(max_length=500, help_text="The webhook the deliveries are POSTed to.")
    secret = EncryptedTextField(help_text="HMAC-SHA256 key of the GS-Signature header (shown once).")
    status = models.CharField(max_length=8, choices=choices(SubscriptionStatus), default=SubscriptionStatus.ACTIVE,
                              db_index=True)
    cursor_recorded_at = models.DateTimeField(null=True, blank=True)
    cursor_link_id = models.BigIntegerField(default=0)
    delivered_events = models.PositiveBigIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0, help_text="Failed deliveries in a row.")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    queued = models.BooleanField(default=False, help_text="A delivery is waiting in the outbox.")
    last_error = models.CharField(max_length=500, blank=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"subscription {self.pk} → {self.dest}"
