"""PostgreSQL refuses TRUNCATE of the blacklist: an entry is a regulator's decision, revoked by UPDATE and
anonymised by retention, never wiped (``apps.common.evidence_guards.EVIDENCE_TABLES``)."""
from django.db import migrations

from apps.common.evidence_guards import guard_operations

forwards, backwards = guard_operations(truncate_only=["senders_blacklistentry"])


class Migration(migrations.Migration):
    dependencies = [("senders", "0002_refuse_truncate")]
    operations = [migrations.RunPython(forwards, backwards)]
