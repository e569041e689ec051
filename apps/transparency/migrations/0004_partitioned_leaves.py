"""Log leaves into monthly partitions by ``record_at`` (issue 16), so that retention (key "evidence") drops a whole
month of leaves at once. The tiles and the signed checkpoints are kept: the tree verifies from its tiles, a
consistency proof between checkpoints needs no leaf, and the integrator extends the tree from its right-edge tiles —
so a month of leaves can go without the log losing its proofs.

``record_at`` is the partition key of the record the leaf commits to — a link's ``parcel_accepted_at``, an audit
entry's ``at`` — so a leaf shares its record's month: they are dropped together, a lookup of a record's leaf reads
one partition, and ``verify_log`` tells a record (or leaf) removed by retention from one removed behind its back
exactly. Writers queue it with the pending leaf; the integrator keeps it. An existing leaf (and pending leaf) takes
its record's key, found by its hash; a leaf whose record is gone takes the ``signed_at`` of the first checkpoint
that covers it (the integrator signs it in the transaction that integrates the leaf), else the migration's time.

A partitioned table's primary key must hold the partition key: it becomes ``(index, record_at)``. Nothing references
leaves by a foreign key. The hash index on ``data`` (migration 0002) is built on the new table, and the guards
(UPDATE, DELETE and TRUNCATE refused) are copied as they were.

On PostgreSQL the old table is copied into the partitioned one (``apps.common.partitions.to_partitioned``): every
row, checked by count. Elsewhere (SQLite) the column is added and filled in place.
"""
from django.db import migrations, models
from django.db.models.functions import Now
from django.utils import timezone

from apps.common.partitions import PARTITIONED, Conversion, OffPostgres, to_partitioned, to_plain

TABLE = "transparency_logleaf"
PENDING = "transparency_pendingleaf"
FIRST_SIGNED = ("(SELECT c.signed_at FROM transparency_logcheckpoint c WHERE c.size > o.index "
                "ORDER BY c.size, c.id LIMIT 1)")
# The record a leaf commits to, found by its hash (hash joins: neither table indexes its hash).
RECORDS = ("LEFT JOIN tracking_checkpointevent e ON o.data = 'link:' || e.hash "
           "LEFT JOIN audit_auditentry a ON o.data = 'audit:' || a.hash")


def _hash_index(cursor):
    cursor.execute(f'CREATE INDEX "transparency_logleaf_data_hash" ON "{TABLE}" USING hash (data)')


def _pending_fill(cursor, now):
    cursor.execute(f"UPDATE {PENDING} SET record_at = coalesce(("  # noqa: S608
                   f"SELECT e.parcel_accepted_at FROM tracking_checkpointevent e WHERE {PENDING}.data = 'link:' || "
                   f"e.hash LIMIT 1), (SELECT a.at FROM audit_auditentry a WHERE {PENDING}.data = 'audit:' || a.hash "
                   f"LIMIT 1), {PENDING}.queued_at, %s)", [now])


def partition(apps, schema_editor):
    now = timezone.now()
    with schema_editor.connection.cursor() as cursor:
        _pending_fill(cursor, now)
        if schema_editor.connection.vendor != "postgresql":
            return
        conversion = Conversion(PARTITIONED[TABLE], joins=RECORDS, after=_hash_index,
                                key_sql=f"coalesce(e.parcel_accepted_at, a.at, {FIRST_SIGNED}, "
                                        f"'{now.isoformat()}'::timestamptz)")
        to_partitioned(cursor, conversion, now=now)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        to_plain(cursor, Conversion(PARTITIONED[TABLE], key_sql="", after=_hash_index), drop_key=True,
                 primary_key=("index",), unique={})


def fill_elsewhere(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET record_at = coalesce(("  # noqa: S608
                       f"SELECT e.parcel_accepted_at FROM tracking_checkpointevent e WHERE {TABLE}.data = 'link:' || "
                       f"e.hash LIMIT 1), (SELECT a.at FROM audit_auditentry a WHERE {TABLE}.data = 'audit:' || a.hash "
                       f"LIMIT 1), (SELECT c.signed_at FROM transparency_logcheckpoint c WHERE c.size > {TABLE}.\"index\" "
                       "ORDER BY c.size, c.id LIMIT 1), %s)", [timezone.now()])


def index_elsewhere(apps, schema_editor):
    """Off PostgreSQL, altering the table rebuilds it with the indexes the model states only: the data index of
    migration 0002 is made again (both ways)."""
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "transparency_logleaf_data_hash" ON "{TABLE}" (data)')


class Migration(migrations.Migration):
    atomic = True

    # the records' partition keys must exist to give the leaves theirs
    dependencies = [("transparency", "0003_guards"), ("parcels", "0015_partitioned_events"),
                    ("audit", "0007_partitioned_entries")]

    operations = [
        migrations.AddField("pendingleaf", "record_at", models.DateTimeField(null=True)),
        migrations.RunPython(migrations.RunPython.noop, index_elsewhere),
        OffPostgres(migrations.AddField("logleaf", "record_at", models.DateTimeField(null=True))),
        migrations.RunPython(fill_elsewhere, migrations.RunPython.noop),
        OffPostgres(migrations.AlterField("logleaf", "record_at", models.DateTimeField(
            help_text="Its record's partition key (a link's parcel acceptance time, an audit entry's time): the "
                      "leaf's partition key too."))),
        migrations.RunPython(index_elsewhere, migrations.RunPython.noop),
        migrations.RunPython(partition, unpartition),
        migrations.AlterField("pendingleaf", "record_at", models.DateTimeField(
            db_default=Now(), help_text="Its record's partition key, which the integrated leaf keeps.")),
    ]
