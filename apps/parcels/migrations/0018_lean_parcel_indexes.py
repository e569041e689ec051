"""Fewer indexes on parcels_parcel (issue 16 item 4): a scan batch moves each parcel's chain head and status, and an
update that changes an indexed column (status) writes every index of the row. Gone: the single-column indexes on
organization and screening_status (the composite (organization, accepted_at) and (screening_status, accepted_at)
lead with them) and, on PostgreSQL, the varchar_pattern_ops copies Django adds for LIKE 'prefix%' on status,
screening_status and waybill_no — nothing here searches those by prefix (the admin's search is by equality or
icontains, which no B-tree serves). 14 indexes become 9."""

import django.db.models.deletion
import greenshield.enums
from django.db import migrations, models


LIKE_INDEXES = ("parcels_parcel_status_0adb7e32_like", "parcels_parcel_waybill_no_94b28007_like")


def drop_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in LIKE_INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE INDEX IF NOT EXISTS "parcels_parcel_status_0adb7e32_like" ON "parcels_parcel" '
                              "(status varchar_pattern_ops)")
        schema_editor.execute('CREATE INDEX IF NOT EXISTS "parcels_parcel_waybill_no_94b28007_like" ON "parcels_parcel" '
                              "(waybill_no varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0004_waybill_prefix_backfill'),
        ('parcels', '0017_partitioned_personal_parts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='parcel',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='parcels', to='organizations.organization'),
        ),
        migrations.AlterField(
            model_name='parcel',
            name='screening_status',
            field=models.CharField(choices=[('PENDING', 'PENDING'), ('CLEAR', 'CLEAR'), ('SUSPECT', 'SUSPECT'), ('CLEARED', 'CLEARED'), ('SEIZED', 'SEIZED')], default=greenshield.enums.ScreeningStatus['PENDING'], max_length=10),
        ),
        # (screening_status's own copy went with its index above)
        migrations.RunPython(drop_like, create_like),
    ]
