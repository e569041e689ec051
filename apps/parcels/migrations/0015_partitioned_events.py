"""Checkpoint events into monthly partitions by their parcel's acceptance time (issue 16).

The links gain ``parcel_accepted_at`` (their parcel's ``accepted_at``, fixed at acceptance): a parcel's trace
names it and reads one partition. A unique constraint of a partitioned table must hold the partition key, so
exactly-once by ``(organization, event_id)`` becomes the partition-local ``(organization, event_id,
parcel_accepted_at)`` — which catches every retry of an event for its parcel — plus the capture's own check across
partitions under a per-event-id advisory lock (``apps.tracking.ingest``). A link's personal part can no longer
reference the link by a foreign key (a partitioned table has no unique ``id`` alone); the capture writes both in
one transaction.

On PostgreSQL the old table is copied into the partitioned one (``apps.common.partitions.to_partitioned``): every
row, checked by count, then the indexes are built. Elsewhere (SQLite) the column and constraints are added in place.
"""
from django.db import migrations, models

from apps.common.partitions import PARTITIONED, Conversion, OffPostgres, conversion_functions

TABLE = "tracking_checkpointevent"
INDEXES = [("tracking_ch_courier_58c4e7_idx", "courier_id, occurred_at"),
           ("tracking_ch_vehicle_194dec_idx", "vehicle_id, occurred_at"),
           ("tracking_ch_facilit_42e6c2_idx", "facility_id, occurred_at"),
           ("tracking_ch_device__5fcb5b_idx", "device_id, recorded_at"),
           ("tracking_ch_recorded_idx", "recorded_at, id")]
FOREIGN_KEYS = [("organization_id", "organizations_organization"), ("parcel_id", "parcels_parcel"),
                ("facility_id", "organizations_facility"), ("vehicle_id", "organizations_vehicle"),
                ("courier_id", "organizations_staff"), ("device_id", "accounts_device")]


def _foreign_keys(cursor):
    for column, target in FOREIGN_KEYS:
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_{column}_fk" FOREIGN KEY ("{column}") '
                       f'REFERENCES "{target}" (id) DEFERRABLE INITIALLY DEFERRED')


CONVERSION = Conversion(PARTITIONED[TABLE], key_sql="p.accepted_at", joins="JOIN parcels_parcel p ON p.id = o.parcel_id",
                        indexes=INDEXES, after=_foreign_keys)


def fill_elsewhere(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET parcel_accepted_at = (SELECT p.accepted_at FROM parcels_parcel p "
                       f"WHERE p.id = {TABLE}.parcel_id)")


partition, plain_again = conversion_functions(
    CONVERSION, drop_key=True, plain_primary_key=("id",),
    plain_unique={"one_link_per_position": ("parcel_id", "seq"),
                  "event_id_once_per_company": ("organization_id", "event_id")})


def unpartition(apps, schema_editor):
    plain_again(apps, schema_editor)
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "parcels_linkpersonaldata" ADD CONSTRAINT '
                       '"parcels_linkpersonal_event_id_e9b3db67_fk_tracking_" FOREIGN KEY ("event_id") '
                       f'REFERENCES "{TABLE}" (id) DEFERRABLE INITIALLY DEFERRED')


class Migration(migrations.Migration):
    atomic = True

    dependencies = [("parcels", "0014_link_personal_data")]

    operations = [
        OffPostgres(migrations.AddField("checkpointevent", "parcel_accepted_at", models.DateTimeField(null=True))),
        migrations.RunPython(fill_elsewhere, migrations.RunPython.noop),
        OffPostgres(migrations.AlterField("checkpointevent", "parcel_accepted_at", models.DateTimeField(
            help_text="The parcel's acceptance time: the partition key (a parcel's links share one partition)."))),
        OffPostgres(migrations.RemoveConstraint("checkpointevent", "one_link_per_position")),
        OffPostgres(migrations.RemoveConstraint("checkpointevent", "event_id_once_per_company")),
        OffPostgres(migrations.AddConstraint("checkpointevent", models.UniqueConstraint(
            fields=["parcel", "seq", "parcel_accepted_at"], name="one_link_per_position"))),
        OffPostgres(migrations.AddConstraint("checkpointevent", models.UniqueConstraint(
            fields=["organization", "event_id", "parcel_accepted_at"], name="event_id_once_per_company"))),
        OffPostgres(migrations.AlterField("linkpersonaldata", "event", models.OneToOneField(
            db_constraint=False, on_delete=models.deletion.PROTECT, related_name="personal",
            to="parcels.checkpointevent"))),
        migrations.RunPython(partition, unpartition),
    ]
