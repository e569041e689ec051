# CheckpointEvent now belongs to the parcels app (parcels.0008); state only, the table stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('parcels', '0008_checkpointevent'),
        ('tracking', '0002_lean_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
            migrations.DeleteModel(name='CheckpointEvent'),
        ]),
    ]
