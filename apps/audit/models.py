"""The append-only audit log: who did what to which record, why, and in which request."""
from __future__ import annotations

import uuid

from django.db import models

from apps.common.scoping import RestrictedQuerySet, Scope
from greenshield.enums import Role


class AppendOnlyError(Exception):
    """Audit entries are evidence: they are never updated or deleted."""


class AuditScope(Scope):
    """A supervisor reads their company's entries; a regulator those of actions that happened in their province
    (an entry carries the province of its place), and place-less entries of companies registered there."""

    def q_for_role(self, user, model=None):
        if user.role == Role.REGULATOR and user.province:
            return models.Q(province=user.province) | models.Q(province="", organization__province=user.province)
        return super().q_for_role(user, model)


class AuditEntryQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    _raw_delete = delete

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit entries cannot be updated.")


class AuditEntry(models.Model):
    scoped_by = AuditScope()

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=160, help_text="Username, or device:<serial>, or 'system'.")
    # DO_NOTHING and no database constraint: removing a user or company never rewrites the log.
    actor_user = models.ForeignKey("accounts.User", on_delete=models.DO_NOTHING, null=True, blank=True,
                                   related_name="+", db_constraint=False)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=160, blank=True)
    target_repr = models.CharField(max_length=200, blank=True, help_text="Masked description of the target.")
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.DO_NOTHING, null=True,
                                     blank=True, related_name="+", db_constraint=False)
    province = models.CharField(max_length=6, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="Structured detail; never personal data.")
    # Each entry's hash covers its content and is a leaf of the transparency log, which proves that no entry was
    # removed. seq and prev_hash are kept only for entries written under the former per-entry chain.
    # Unique with ``at`` (below): the table is partitioned by ``at`` on PostgreSQL and a partitioned table's unique
    # constraints hold its partition key; an old-chain entry's seq and time never change, so it is unique alone too.
    seq = models.BigIntegerField(null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"]), models.Index(fields=["actor", "at"])]
        # On PostgreSQL the table is in monthly partitions by ``at`` (apps.common.partitions) and its primary key
        # is (id, at): an entry looked up by id alone (the admin's and the API's detail) probes each partition's
        # index — one index probe a month, acceptable for a page a person opens.
        constraints = [models.UniqueConstraint(fields=["seq", "at"], name="audit_legacy_seq_once")]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")


class DestructionRecord(models.Model):
    """Proof that expired data was destroyed [R19]: personal data anonymised, or a whole month of evidence dropped —
    which class, how many records, older than what, and how."""

    scoped_by = Scope(operators_only=True)

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    data_class = models.CharField(max_length=40)
    records = models.PositiveIntegerField()
    older_than = models.DateTimeField(help_text="Records last relevant before this time were anonymised.")
    retention_days = models.PositiveIntegerField()
    method = models.CharField(max_length=40, default="ciphertext and blind indexes cleared")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.data_class}: {self.records} anonymised"
