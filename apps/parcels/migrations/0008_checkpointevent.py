# The chain's links move from the tracking app to the parcels app (their aggregate). State only: the table,
# its indexes and constraints stay exactly as they are (db_table keeps the old name).

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('organizations', '0001_initial'),
        ('parcels', '0007_sender_as_given'),
        ('tracking', '0002_lean_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CheckpointEvent',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('event_id', models.UUIDField(default=uuid.uuid4, unique=True)),
                        ('seq', models.PositiveIntegerField()),
                        ('type', models.CharField(choices=[('ACCEPTED', 'ACCEPTED'), ('INSPECTED', 'INSPECTED'), ('SCREENED', 'SCREENED'), ('RECHECKED', 'RECHECKED'), ('ARRIVED', 'ARRIVED'), ('SORTED', 'SORTED'), ('LOADED', 'LOADED'), ('DEPARTED', 'DEPARTED'), ('UNLOADED', 'UNLOADED'), ('HANDOVER', 'HANDOVER'), ('OUT_FOR_DELIVERY', 'OUT_FOR_DELIVERY'), ('DELIVERED', 'DELIVERED'), ('DELIVERY_FAILED', 'DELIVERY_FAILED'), ('EXCEPTION', 'EXCEPTION'), ('RETURNED', 'RETURNED')], max_length=20)),
                        ('occurred_at', models.DateTimeField()),
                        ('recorded_at', models.DateTimeField()),
                        ('actor', models.CharField(blank=True, help_text='Account or device that recorded the link.', max_length=160)),
                        ('location', models.JSONField(blank=True, null=True)),
                        ('detail', models.JSONField(blank=True, default=dict)),
                        ('flags', models.JSONField(blank=True, default=list)),
                        ('content_digest', models.CharField(blank=True, max_length=64)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64)),
                        ('courier', models.ForeignKey(blank=True, db_index=False, help_text='The staff member responsible for this link.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.staff')),
                        ('device', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.device')),
                        ('facility', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.facility')),
                        ('parcel', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='parcels.parcel')),
                        ('vehicle', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.vehicle')),
                    ],
                    options={
                        'db_table': 'tracking_checkpointevent',
                        'ordering': ['parcel', 'seq'],
                        'indexes': [models.Index(fields=['courier', 'occurred_at'], name='tracking_ch_courier_58c4e7_idx'), models.Index(fields=['vehicle', 'occurred_at'], name='tracking_ch_vehicle_194dec_idx'), models.Index(fields=['facility', 'occurred_at'], name='tracking_ch_facilit_42e6c2_idx'), models.Index(fields=['device', 'recorded_at'], name='tracking_ch_device__5fcb5b_idx')],
                        'constraints': [models.UniqueConstraint(fields=('parcel', 'seq'), name='one_link_per_position')],
                    },
                ),
            ],
        ),
    ]
