"""Models shared by the apps."""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an ``Idempotency-Key``: a retry gets it again."""

    account = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "scope", "key"], name="idempotency_key_once")]

    def __str__(self):
        return f"{self.scope} {self.key}"


class OutboxMessage(models.Model):
    """Derived work recorded in the same transaction as the fact that calls for it, then delivered by Celery.
    A broker outage delays delivery but loses nothing; delivery marks the row in the same transaction as its
    effect, so each message takes effect exactly once."""

    id = models.BigAutoField(primary_key=True)
    topic = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], name="outbox_pending_idx", condition=models.Q(delivered_at__isnull=True))]

    def __str__(self):
        return f"{self.topic} #{self.pk}"
