"""Audit entries order by time (their order of record is the transparency log's), and PostgreSQL refuses
TRUNCATE of the audit table."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(truncate_only=["audit_auditentry"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_destruction_record"), ("transparency", "0003_guards")]
    operations = [
        migrations.AlterModelOptions(name="auditentry", options={"ordering": ["-at", "-id"],
                                                                 "verbose_name_plural": "audit entries"}),
        migrations.RunPython(forwards, backwards),
    ]
