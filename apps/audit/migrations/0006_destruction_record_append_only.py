"""PostgreSQL refuses UPDATE, DELETE and TRUNCATE of destruction records: the proof that retention ran is itself
evidence (``apps.common.evidence_guards.EVIDENCE_TABLES``)."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(append_only=["audit_destructionrecord"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_log_leaves")]
    operations = [migrations.RunPython(forwards, backwards)]
