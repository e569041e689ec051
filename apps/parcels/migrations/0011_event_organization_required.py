# Every link names its company once the backfill (0010) has run.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("organizations", "0004_waybill_prefix_backfill"),
        ("parcels", "0010_territory_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkpointevent",
            name="organization",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="organizations.organization"),
        ),
    ]
