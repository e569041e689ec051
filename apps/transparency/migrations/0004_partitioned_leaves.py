"""Log leaves into monthly partitions by ``integrated_at`` (issue 16), so that retention (key "evidence") drops a
whole month of leaves at once. The tiles and the signed checkpoints are kept: the tree verifies from its tiles, a
consistency proof between checkpoints needs no leaf, and the integrator extends the tree from its right-edge
tiles — so a month of leaves can go without the log losing its proofs.

``integrated_at`` is new: the integrator sets it when it gives pending leaves their indices. An existing leaf takes
the ``signed_at`` of the first checkpoint that covers it (the smallest size above its index): the integrator signs
that checkpoint in the transaction that integrates the leaf, so it is the leaf's integration time to within that
transaction, and the leaf falls in the month it really joined the log — not the migration's month, which would
keep every old leaf up to a retention period longer than it is due. A leaf that no checkpoint covers (none should
exist: integration and signing are one transaction) takes the migration's time.

A partitioned table's primary key must hold the partition key: it becomes ``(index, integrated_at)``. Nothing
references leaves by a foreign key. The hash index on ``data`` (migration 0002) is built on the new table, and the
guards (UPDATE, DELETE and TRUNCATE refused) are re-created as they were.

On PostgreSQL the old table is copied into the partitioned one (``apps.common.partitions.to_partitioned``): every
row, checked by count. Elsewhere (SQLite) the column is added and filled in place.
"""
from django.db import migrations, models
from django.utils import timezone

from apps.common.partitions import PARTITIONED, Conversion, OffPostgres, to_partitioned, to_plain

TABLE = "transparency_logleaf"
FIRST_SIGNED = ("(SELECT c.signed_at FROM transparency_logcheckpoint c WHERE c.size > o.index "
                "ORDER BY c.size, c.id LIMIT 1)")


def _hash_index(cursor):
    cursor.execute(f'CREATE INDEX "transparency_logleaf_data_hash" ON "{TABLE}" USING hash (data)')


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    now = timezone.now()
    conversion = Conversion(PARTITIONED[TABLE], key_sql=f"coalesce({FIRST_SIGNED}, '{now.isoformat()}'::timestamptz)",
                            after=_hash_index)
    with schema_editor.connection.cursor() as cursor:
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
        cursor.execute(f"UPDATE {TABLE} SET integrated_at = coalesce((SELECT c.signed_at FROM "  # noqa: S608
                       f"transparency_logcheckpoint c WHERE c.size > {TABLE}.\"index\" ORDER BY c.size, c.id LIMIT 1), "
                       "%s)", [timezone.now()])


def index_elsewhere(apps, schema_editor):
    """Off PostgreSQL, altering the table rebuilds it with the indexes the model states only: the data index of
    migration 0002 is made again (both ways)."""
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "transparency_logleaf_data_hash" ON "{TABLE}" (data)')


class Migration(migrations.Migration):
    atomic = True

    dependencies = [("transparency", "0003_guards")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, index_elsewhere),
        OffPostgres(migrations.AddField("logleaf", "integrated_at", models.DateTimeField(null=True))),
        migrations.RunPython(fill_elsewhere, migrations.RunPython.noop),
        OffPostgres(migrations.AlterField("logleaf", "integrated_at", models.DateTimeField(
            help_text="When the integrator gave the leaf its index: the partition key."))),
        migrations.RunPython(index_elsewhere, migrations.RunPython.noop),
        migrations.RunPython(partition, unpartition),
    ]
