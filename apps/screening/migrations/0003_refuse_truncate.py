"""PostgreSQL refuses TRUNCATE of screenings and re-checks (evidence)."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(truncate_only=["screening_screening", "screening_resolution"])


class Migration(migrations.Migration):
    dependencies = [("screening", "0002_accountability_and_territory")]
    operations = [migrations.RunPython(forwards, backwards)]
