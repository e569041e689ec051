"""The personal parts of links into their links' monthly partitions (issue 16): a link's personal part carries its
link's ``parcel_accepted_at`` and is dropped with its month — not left behind as billions of erased rows. Its
unique link becomes ``(event_id, parcel_accepted_at)`` on PostgreSQL (a partitioned table's unique constraints hold
the key; a link lives in one month, so this is the same rule); the state keeps the one-to-one. The guard triggers
(TRUNCATE and DELETE refused, UPDATE only erasing or re-encrypting) are copied onto the new table."""
from django.db import migrations, models

from apps.common.partitions import PARTITIONED, Conversion, OffPostgres, conversion_functions

TABLE = "parcels_linkpersonaldata"


CONVERSION = Conversion(PARTITIONED[TABLE], key_sql="e.parcel_accepted_at",
                        joins="JOIN tracking_checkpointevent e ON e.id = o.event_id",
                        indexes=[("parcels_linkpersonaldata_occurred_at_d6d6692f", "occurred_at")])


def fill_elsewhere(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET parcel_accepted_at = (SELECT e.parcel_accepted_at FROM "
                       f"tracking_checkpointevent e WHERE e.id = {TABLE}.event_id)")


partition, unpartition = conversion_functions(
    CONVERSION, drop_key=True, plain_primary_key=("id",),
    plain_unique={"parcels_linkpersonaldata_event_id_key": ("event_id",)})


class Migration(migrations.Migration):
    dependencies = [("parcels", "0016_time_ordered_ids")]

    operations = [
        OffPostgres(migrations.AddField("linkpersonaldata", "parcel_accepted_at", models.DateTimeField(null=True))),
        migrations.RunPython(fill_elsewhere, migrations.RunPython.noop),
        OffPostgres(migrations.AlterField("linkpersonaldata", "parcel_accepted_at", models.DateTimeField(
            help_text="The link's partition key (its parcel's acceptance time): kept and dropped with its link's "
                      "month."))),
        migrations.RunPython(partition, unpartition),
    ]
