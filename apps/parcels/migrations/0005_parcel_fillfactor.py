"""Leave room on parcel pages so the chain-head update of every scan can be a HOT update (PostgreSQL only)."""
from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE parcels_parcel SET (fillfactor = 70)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE parcels_parcel RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("parcels", "0004_parcel_status_before_hold")]
    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
