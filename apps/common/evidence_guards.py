"""Database guards on evidence tables, installed by migrations on PostgreSQL: TRUNCATE is refused on every
evidence table, and UPDATE/DELETE on those that are append-only. A database owner can still disable a trigger;
what catches that is the transparency log, not the guard.

The one way past the TRUNCATE guard is the transaction-local setting ``greenshield.evidence_truncate =
'allowed'``: the test runner's flush between transactional tests needs it, and the application never sets it."""
from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Guard(Enum):
    """What the database refuses on an evidence table (and what the app role of ``db_roles`` is not granted)."""

    #: TRUNCATE refused; rows change in place (statuses, retention anonymising personal data), never deleted.
    NO_TRUNCATE = "no_truncate"
    #: TRUNCATE, UPDATE and DELETE refused: written once.
    APPEND_ONLY = "append_only"
    #: TRUNCATE refused; rows are deleted one by one as they are consumed (the log integrator's pending leaves).
    CONSUMED = "consumed"


#: Every evidence table, the one list: ``tests/apps/common/test_evidence_tables.py`` checks that each refuses
#: TRUNCATE on PostgreSQL and that every table of our apps is either here or in ``NOT_EVIDENCE``; ``db_roles``
#: grants the application role no DELETE on any of them (but ``CONSUMED``) and no UPDATE on ``APPEND_ONLY`` ones.
#: Retention [R19] needs no DELETE: it anonymises rows with an UPDATE (``apps.compliance.retention``).
EVIDENCE_TABLES: dict[str, Guard] = {
    "audit_auditentry": Guard.APPEND_ONLY,
    "audit_destructionrecord": Guard.APPEND_ONLY,
    "compliance_alert": Guard.NO_TRUNCATE,
    "parcels_acceptanceitem": Guard.NO_TRUNCATE,
    "parcels_acceptancerecord": Guard.NO_TRUNCATE,
    "parcels_inspection": Guard.NO_TRUNCATE,
    # and its own trigger refuses DELETE and lets UPDATE only erase or re-encrypt the personal columns
    "parcels_linkpersonaldata": Guard.NO_TRUNCATE,
    "parcels_parcel": Guard.NO_TRUNCATE,
    "screening_resolution": Guard.NO_TRUNCATE,
    "screening_screening": Guard.NO_TRUNCATE,
    "senders_blacklistentry": Guard.NO_TRUNCATE,
    "senders_verification": Guard.NO_TRUNCATE,
    "tracking_checkpointevent": Guard.NO_TRUNCATE,
    "transparency_logcheckpoint": Guard.APPEND_ONLY,
    "transparency_logleaf": Guard.APPEND_ONLY,
    "transparency_logtile": Guard.APPEND_ONLY,
    "transparency_pendingleaf": Guard.CONSUMED,
}

#: Tables of our apps that are not evidence, and why: reference data and working state the service edits and
#: deletes in the ordinary course.
NOT_EVIDENCE: dict[str, str] = {
    "accounts_device": "reference data (scanners)",
    "accounts_deviceapikey": "credentials, rotated and revoked",
    "accounts_user": "accounts",
    "accounts_user_groups": "accounts",
    "accounts_user_user_permissions": "accounts",
    "common_idempotencyrecord": "replay cache of responses",
    "common_outboxmessage": "delivery queue",
    "compliance_notification": "delivery state of alerts",
    "epcis_capturejob": "working state of a capture (the scans it stores are evidence)",
    "epcis_subscription": "a regulator's standing query, deletable by its owner",
    "organizations_facility": "reference data",
    "organizations_organization": "reference data",
    "organizations_staff": "reference data",
    "organizations_vehicle": "reference data",
    "parcels_parcelterritory": "derived index for territorial scoping",
    "parcels_prohibitedcategory": "reference data",
    "parcels_vehicleterritory": "derived index for territorial scoping",
    "senders_sender": "deduplicated sender, anonymised by retention",
    "supervision_compliancecompanyday": "rollup, recomputed from the evidence",
    "supervision_complianceday": "rollup, recomputed from the evidence",
    "supervision_compliancemonth": "rollup, recomputed from the evidence",
    "supervision_deliveryday": "rollup, recomputed from the evidence",
    "supervision_openparcelsday": "rollup, recomputed from the evidence",
    "supervision_riskalertstate": "which risk subjects are above the threshold (the alert itself is evidence)",
    "supervision_riskday": "rollup, recomputed from the evidence",
    "supervision_rollupstate": "the rollup's watermark",
}

FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_refuse() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('greenshield.evidence_truncate', true) = 'allowed' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is evidence (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
ALLOW_TRUNCATE = "SET LOCAL greenshield.evidence_truncate = 'allowed'"


def guard_sql(table: str, append_only: bool) -> str:
    sql = (f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";\n'
           f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
           "FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse();\n")
    if append_only:
        sql += (f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";\n'
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION evidence_refuse();\n")
    return sql


def _drop(table: str) -> str:
    return (f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";\n'
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";\n')


def guard_operations(*, truncate_only: Iterable[str] = (), append_only: Iterable[str] = ()):
    """``(forwards, backwards)`` for a ``RunPython`` that guards these tables."""
    truncate_only, append_only = list(truncate_only), list(append_only)

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FUNCTION)
            for table in truncate_only:
                cursor.execute(guard_sql(table, append_only=False))
            for table in append_only:
                cursor.execute(guard_sql(table, append_only=True))

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for table in [*truncate_only, *append_only]:
                cursor.execute(_drop(table))

    return forwards, backwards


PERSONAL_FUNCTION = r"""
CREATE OR REPLACE FUNCTION evidence_personal_only() RETURNS trigger AS $$
DECLARE
    column_name text;
    before text;
    after text;
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION '% is evidence (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        RAISE EXCEPTION '% is evidence (UPDATE refused: only its personal columns may change)', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOREACH column_name IN ARRAY TG_ARGV LOOP
        before := to_jsonb(OLD) ->> column_name;
        after := to_jsonb(NEW) ->> column_name;
        IF after IS NOT NULL AND after IS DISTINCT FROM before
           AND (before IS NULL OR after !~ '^gs[0-9]+\$') THEN
            RAISE EXCEPTION '% is evidence (UPDATE refused: %.% may only be erased or re-encrypted)',
                TG_TABLE_NAME, TG_TABLE_NAME, column_name USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def personal_guard_operations(*, table: str, personal_columns: Iterable[str]):
    """``(forwards, backwards)`` for a table holding the personal part of evidence: TRUNCATE and DELETE refused,
    UPDATE allowed only of ``personal_columns`` and only to erase them (NULL) or re-encrypt them (ciphertext over
    ciphertext, key rotation) — never to write a value into an erased column or to change anything else."""
    columns = ", ".join(f"'{name}'" for name in personal_columns)

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FUNCTION)
            cursor.execute(PERSONAL_FUNCTION)
            cursor.execute(guard_sql(table, append_only=False))
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_personal_only" ON "{table}";\n'
                           f'CREATE TRIGGER "{table}_personal_only" BEFORE UPDATE OR DELETE ON "{table}" '
                           f"FOR EACH ROW EXECUTE FUNCTION evidence_personal_only({columns});\n")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_drop(table))
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_personal_only" ON "{table}";')

    return forwards, backwards
