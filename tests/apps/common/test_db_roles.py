"""``manage.py db_roles`` on PostgreSQL: under the app role the service works — acceptances, scans, the log
integrator — but cannot alter a table, disable a guard trigger, truncate, or rewrite or delete evidence.

Roles are global to the PostgreSQL cluster, so the test uses names of its own; everything (roles included)
is rolled back with the test's transaction."""
from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from apps.common import db_roles
from apps.common.evidence_guards import EVIDENCE_TABLES, Guard
from apps.parcels.models import AcceptanceRecord
from apps.transparency.services import log_integrate
from tests.helpers import accept, device_client, events_post, scan, token_client

pytestmark = pytest.mark.django_db

SUFFIX = f"{os.getpid()}"
OWNER, APP = f"gs_test_owner_{SUFFIX}", f"gs_test_app_{SUFFIX}"


def refused(statement: str, params=(), match: str = "permission denied|must be owner"):
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, list(params))


@pytest.fixture
def as_app_role(require_postgres, world):
    out = io.StringIO()
    with connection.cursor() as cursor:  # the world's rows are uncommitted: check their deferred foreign keys
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # now, as a commit would, or ALTER TABLE refuses
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    call_command("db_roles", "--owner", OWNER, "--app", APP, stdout=out)
    assert f"{OWNER} owns" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{APP}"')
    try:
        yield out.getvalue()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_owner_owns_every_table_and_the_app_role_none(as_app_role):
    assert f"Created role {OWNER}." in as_app_role and f"Created role {APP}." in as_app_role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    again = io.StringIO()
    call_command("db_roles", "--owner", OWNER, "--app", APP, stdout=again)  # idempotent
    assert "Created role" not in again.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{APP}"')
        cursor.execute("SELECT current_user, count(*) FILTER (WHERE tableowner <> %s), count(*) "
                       "FROM pg_tables WHERE schemaname = 'public' GROUP BY 1", [OWNER])
        user, not_owner, tables = cursor.fetchone()
    assert (user, not_owner) == (APP, 0) and tables > 30


def test_the_service_works_under_the_app_role(as_app_role, world):
    accepted = accept(token_client(world.users["outlet_staff"]))
    waybill = accepted["waybill_no"]
    assert AcceptanceRecord.objects.filter(waybill_no=waybill).exists()
    results = events_post(device_client(world.zto_device), [scan(waybill, "ARRIVED")])["results"]
    assert results[0]["status"] == "ACCEPTED", results
    integration = log_integrate()  # deletes the pending leaves it consumes
    assert integration.integrated >= 2
    trace = token_client(world.users["supervisor"]).get(f"/api/v1/parcels/{waybill}/trace/")
    assert trace.status_code == 200 and trace.json()["integrity"]["valid"] is True


def test_the_app_role_cannot_bypass_the_guards(as_app_role, world):
    accept(token_client(world.users["outlet_staff"]))
    log_integrate()
    refused('ALTER TABLE "audit_auditentry" DISABLE TRIGGER ALL', match="must be owner")
    refused('ALTER TABLE "parcels_acceptancerecord" DISABLE TRIGGER "parcels_acceptancerecord_no_truncate"',
            match="must be owner")
    refused('ALTER TABLE "parcels_parcel" OWNER TO CURRENT_USER', match="must be owner")
    refused('DROP TRIGGER "transparency_logleaf_append_only" ON "transparency_logleaf"', match="must be owner")
    refused("CREATE TABLE escape (id int)")
    for table, guard in EVIDENCE_TABLES.items():
        refused(f'TRUNCATE "{table}"')
        if guard is not Guard.CONSUMED:
            refused(f'DELETE FROM "{table}"')
        if guard is Guard.APPEND_ONLY:
            with connection.cursor() as cursor:
                cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1", [table])
                column = cursor.fetchone()[0]
            refused(f'UPDATE "{table}" SET "{column}" = "{column}"')
    # a partition is reached through its parent only: nothing is granted on it to go round the parent's grants
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = 'tracking_checkpointevent'::regclass")
        partitions = [row[0] for row in cursor.fetchall()]
    assert partitions
    for partition in partitions:
        refused(f"DELETE FROM {partition}")
        refused(f"TRUNCATE {partition}")
        refused(f"ALTER TABLE tracking_checkpointevent DETACH PARTITION {partition}", match="must be owner")
    refused("UPDATE audit_auditentry SET reason = 'rewritten'")
    refused("UPDATE transparency_logleaf SET data = 'x' WHERE index = 0")
    refused("DELETE FROM parcels_acceptancerecord")
    refused("UPDATE django_migrations SET app = 'x'")


def test_grants_follow_the_table_kinds():
    assert db_roles.app_privileges("audit_auditentry") == ("SELECT", "INSERT")
    assert "DELETE" not in db_roles.app_privileges("parcels_acceptancerecord")
    assert "UPDATE" in db_roles.app_privileges("parcels_acceptancerecord")  # retention anonymises in place
    assert "DELETE" in db_roles.app_privileges("transparency_pendingleaf")
    assert db_roles.app_privileges("organizations_vehicle") == ("SELECT", "INSERT", "UPDATE", "DELETE")


@pytest.mark.parametrize("owner,app", [("Robert'); DROP", "gs_app"), ("same", "same"), ("gs_owner", "")])
def test_bad_role_names_are_refused(owner, app):
    with pytest.raises(db_roles.RolesError):
        db_roles.roles_apply(owner=owner, app=app)


def test_a_migration_run_by_the_owner_re_grants_the_app_role(as_app_role, settings):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{OWNER}"')  # migrate runs as the owner
        cursor.execute('CREATE TABLE "compliance_newthing" (id int)')
    settings.GREENSHIELD_DB_APP_ROLE = APP
    db_roles.grants_after_migrate()
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{APP}"')
        cursor.execute('INSERT INTO "compliance_newthing" VALUES (1)')
        cursor.execute('DELETE FROM "compliance_newthing"')
    refused('ALTER TABLE "compliance_newthing" ADD COLUMN x int', match="must be owner")


def test_the_app_role_creates_months_ahead_but_cannot_drop_one(as_app_role, settings, caplog):
    import datetime

    from django.utils import timezone

    from apps.common.partitions import add_months, month_floor, months_attached, partition_name, partitions_ensure
    from apps.compliance.retention import partitions_drop_expired

    later = add_months(month_floor(timezone.now()), 6)
    created = partitions_ensure(now=later, ahead=1)
    assert partition_name("tracking_checkpointevent", add_months(later, 1)) in created
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass",
                       [partition_name("tracking_checkpointevent", later)])
        assert cursor.fetchone()[0] == OWNER  # made with the owner's rights, through the one function
        months = months_attached(cursor, "tracking_checkpointevent")
    # a year on, with every month past retention: the app role drops nothing, and says who must
    settings.GREENSHIELD_RETENTION_DAYS = {**settings.GREENSHIELD_RETENTION_DAYS, "evidence": 1}
    assert partitions_drop_expired(now=later + datetime.timedelta(days=400)) == []
    assert "only the owner drops them" in caplog.text
    with connection.cursor() as cursor:
        assert months_attached(cursor, "tracking_checkpointevent") == months
    refused("SELECT greenshield_partition_create('parcels_parcel'::regclass, now())",
            match="not a partitioned table")
    refused("SELECT greenshield_partition_create('tracking_checkpointevent'::regclass, now() + interval '5 years')",
            match="too far from now")
