"""PostgreSQL refuses TRUNCATE of every evidence table, and UPDATE or DELETE of the log's integrated leaves,
tiles and checkpoints (the integrator may delete pending leaves: it moves them)."""
from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.audit.services import audit_record
from apps.transparency.models import PendingLeaf
from apps.transparency.services import log_integrate

pytestmark = pytest.mark.django_db

EVIDENCE = ["audit_auditentry", "tracking_checkpointevent", "parcels_acceptancerecord", "parcels_acceptanceitem",
            "parcels_inspection", "senders_verification", "screening_screening", "screening_resolution",
            "parcels_parcel", "transparency_pendingleaf", "transparency_logleaf", "transparency_logtile",
            "transparency_logcheckpoint", "parcels_linkpersonaldata"]


def refused(statement: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as exc:
        assert "is evidence" in str(exc) or "append-only" in str(exc), exc
        return True
    return False


@pytest.mark.parametrize("table", EVIDENCE)
def test_truncate_is_refused(require_postgres, table):
    assert refused(f'TRUNCATE "{table}" CASCADE')


@pytest.mark.parametrize("statement", [
    "UPDATE transparency_logleaf SET data = 'audit:0'", "DELETE FROM transparency_logleaf",
    "UPDATE transparency_logtile SET width = 1", "DELETE FROM transparency_logtile",
    "UPDATE transparency_logcheckpoint SET size = 0", "DELETE FROM transparency_logcheckpoint",
])
def test_the_log_refuses_updates_and_deletes(require_postgres, statement):
    audit_record(actor=None, action="test.guard")
    log_integrate()
    assert refused(statement)


def test_pending_leaves_are_moved_not_kept(require_postgres):
    audit_record(actor=None, action="test.guard")
    assert PendingLeaf.objects.count() == 1
    log_integrate()
    assert PendingLeaf.objects.count() == 0
