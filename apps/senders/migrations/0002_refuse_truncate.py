"""PostgreSQL refuses TRUNCATE of real-name verifications (evidence)."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(truncate_only=["senders_verification"])


class Migration(migrations.Migration):
    dependencies = [("senders", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
