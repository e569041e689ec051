"""Audit entries into monthly partitions by their time ``at`` (issue 16), so that retention drops a whole month
of them at once (``apps.compliance.retention.partitions_drop_expired``, key "audit").

A partitioned table's primary key and unique constraints must hold the partition key: the primary key becomes
``(id, at)`` and the legacy per-entry chain's ``seq`` is unique with ``at`` (an entry's seq and time are written
once, so no two old-chain entries share a seq either way; new entries have none). Nothing references audit entries
by a foreign key (their own foreign keys carry no database constraint). The append-only guard — a row trigger
refusing UPDATE and DELETE — and the TRUNCATE guard are re-created on the new table as they were; the row trigger
reaches every partition, and each partition refuses TRUNCATE on its own.

On PostgreSQL the old table is copied into the partitioned one (``apps.common.partitions.to_partitioned``): every
row, checked by count, then the indexes are built. Elsewhere (SQLite) only the unique constraint changes in place.
"""
from django.db import migrations, models

from apps.common.partitions import PARTITIONED, Conversion, OffPostgres, conversion_functions

TABLE = "audit_auditentry"
# The plain table's indexes, under the names Django gave them (db_index fields and Meta.indexes).
INDEXES = [("audit_audit_actor_646844_idx", "actor, at"),
           ("audit_audit_target__e2abcf_idx", "target_type, target_id"),
           ("audit_auditentry_action_dee621eb", "action"),
           ("audit_auditentry_action_dee621eb_like", "action varchar_pattern_ops"),
           ("audit_auditentry_actor_user_id_1f3e7f1f", "actor_user_id"),
           ("audit_auditentry_at_09f867ec", "at"),
           ("audit_auditentry_organization_id_ccde4cfe", "organization_id")]

CONVERSION = Conversion(PARTITIONED[TABLE], key_sql="o.at", indexes=INDEXES)


partition, unpartition = conversion_functions(CONVERSION, drop_key=False, plain_primary_key=("id",),
                                              plain_unique={"audit_auditentry_seq_key": ("seq",)})


class Migration(migrations.Migration):
    atomic = True

    dependencies = [("audit", "0006_destruction_record_append_only")]

    operations = [
        OffPostgres(migrations.AlterField("auditentry", "seq", models.BigIntegerField(editable=False, null=True))),
        OffPostgres(migrations.AddConstraint("auditentry", models.UniqueConstraint(
            fields=["seq", "at"], name="audit_legacy_seq_once"))),
        migrations.RunPython(partition, unpartition),
    ]
