"""PostgreSQL refuses TRUNCATE of alerts: a raised alert is the record that a violation was seen
(``apps.common.evidence_guards.EVIDENCE_TABLES``); alerts still move on (acknowledge, resolve) by UPDATE."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(truncate_only=["compliance_alert"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0007_aggregated_alerts")]
    operations = [migrations.RunPython(forwards, backwards)]
