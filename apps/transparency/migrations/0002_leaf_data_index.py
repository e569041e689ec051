"""Leaves are looked up by their data (a record's hash) for equality only: on PostgreSQL a hash index, which
the integrator extends at a fraction of a btree's cost; elsewhere an ordinary index."""
from django.db import migrations

CREATE = {"postgresql": "CREATE INDEX transparency_logleaf_data_hash ON transparency_logleaf USING hash (data)"}
DEFAULT = "CREATE INDEX transparency_logleaf_data_hash ON transparency_logleaf (data)"


def forwards(apps, schema_editor):
    schema_editor.execute(CREATE.get(schema_editor.connection.vendor, DEFAULT))


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX transparency_logleaf_data_hash")


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
