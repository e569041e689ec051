"""The transparency log's tables: leaves waiting for an index, the integrated leaves, the tree's tiles and every
signed checkpoint. Writers only ever INSERT pending leaves; the integrator alone moves them into the log."""
from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from apps.common.scoping import RestrictedQuerySet, Scope


class PendingLeaf(models.Model):
    """A leaf added inside a writer's transaction, without any lock: it gets its index when the integrator
    takes it (within the maximum merge delay)."""

    scoped_by = Scope(operators_only=True)

    id = models.BigAutoField(primary_key=True)
    data = models.CharField(max_length=80, help_text="link:<hash> or audit:<hash>")
    queued_at = models.DateTimeField(default=timezone.now)
    # A leaf queued without its record's key (by hand, by the backfill migration of before the key) takes the time
    # it is queued; the writers all give it.
    record_at = models.DateTimeField(db_default=Now(),
                                     help_text="Its record's partition key, which the integrated leaf keeps.")

    objects = RestrictedQuerySet.as_manager()

    def __str__(self):
        return self.data


class LogLeaf(models.Model):
    """A leaf of the log at its index. ``data`` is what the leaf hash covers: ``SHA-256(0x00 ‖ data)``. Kept
    narrow: the integrator writes one per leaf."""

    scoped_by = Scope(operators_only=True)

    # On PostgreSQL the table is in monthly partitions by ``record_at`` (apps.common.partitions) and its
    # primary key is (index, record_at): retention drops a whole month of leaves, while the tiles and the signed
    # checkpoints stay, so the tree still verifies and proves consistency without them.
    index = models.BigIntegerField(primary_key=True)
    # Looked up by equality only: a hash index on PostgreSQL (migration 0002), far cheaper to extend than a btree.
    # A lookup by data alone probes each month's hash index; given the record's partition key, one.
    data = models.CharField(max_length=80)
    record_at = models.DateTimeField(help_text="Its record's partition key (a link's parcel acceptance time, an audit "
                                               "entry's time): the leaf's partition key too.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["index"]

    def __str__(self):
        return f"{self.index}: {self.data}"


class LogTile(models.Model):
    """One tile of the tree (c2sp.org/tlog-tiles): up to 256 hashes at ``level``, concatenated. A partial tile is
    stored once per width it was published at; full tiles never change."""

    scoped_by = Scope(operators_only=True)

    id = models.BigAutoField(primary_key=True)
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    width = models.PositiveSmallIntegerField()
    hashes = models.BinaryField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index", "width"], name="one_tile_per_width")]

    def __str__(self):
        from greenshield.merkle import tile_path

        return tile_path(self.level, self.index, self.width)


class LogCheckpoint(models.Model):
    """A signed tree head, kept for ever: anyone holding one can ask for a proof that the log only grew since."""

    scoped_by = Scope(public=True)

    id = models.BigAutoField(primary_key=True)
    size = models.BigIntegerField(db_index=True)
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(db_index=True)
    note = models.TextField(help_text="The checkpoint as a C2SP signed note.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"size {self.size} at {self.signed_at:%Y-%m-%d %H:%M:%S}"
