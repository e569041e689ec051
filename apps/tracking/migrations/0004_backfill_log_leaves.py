"""Evidence written before the transparency log existed joins it: a pending leaf for every stored chain link and
audit entry, in the order they were written, which the integrator takes within seconds. Without it verify_log
would list every older record as written behind the application's back."""
from django.db import migrations

BACKFILL = [
    "INSERT INTO transparency_pendingleaf (data, queued_at) "
    "SELECT 'link:' || hash, CURRENT_TIMESTAMP FROM tracking_checkpointevent ORDER BY id",
    "INSERT INTO transparency_pendingleaf (data, queued_at) "
    "SELECT 'audit:' || hash, CURRENT_TIMESTAMP FROM audit_auditentry ORDER BY at",
]


def forwards(apps, schema_editor):
    for statement in BACKFILL:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0003_checkpointevent_moved_to_parcels"), ("transparency", "0003_guards"),
                    ("audit", "0005_log_leaves"), ("parcels", "0012_refuse_truncate")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
