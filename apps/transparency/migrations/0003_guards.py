"""PostgreSQL refuses TRUNCATE of the log's tables, and UPDATE or DELETE of integrated leaves, tiles and
checkpoints. Pending leaves are deleted by the integrator as it moves them into the log."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(
    truncate_only=["transparency_pendingleaf"],
    append_only=["transparency_logleaf", "transparency_logtile", "transparency_logcheckpoint"])


class Migration(migrations.Migration):
    dependencies = [("transparency", "0002_leaf_data_index")]
    operations = [migrations.RunPython(forwards, backwards)]
