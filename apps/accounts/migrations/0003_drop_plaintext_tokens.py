"""DRF's authtoken table held every API token in clear and for ever. Tokens are now django-rest-knox's (expiring,
stored as digests), so the old table goes: its tokens stop working, and their holders sign in again for a new one.
On a database that never had it, nothing happens. Reversing it restores nothing: the clear tokens are not to come back."""
from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

OLD_TABLE = "authtoken_token"


def drop_plaintext_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    # The app is no longer installed: forget its migrations, so that installing it again starts afresh.
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_device_key_name_holds_serial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(drop_plaintext_tokens, migrations.RunPython.noop)]
