"""Audit entries and log leaves in monthly partitions (PostgreSQL): both tables are partitioned with months ahead,
the audit log's append-only guard holds on each partition, retention drops an old month of each with a destruction
record while the log still verifies (from its tiles), proofs still serve and new leaves still integrate, and the
migrations from the plain layout keep every row."""
from __future__ import annotations

import datetime
import io
import re
import types

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.audit.models import AuditEntry, DestructionRecord
from apps.audit.services import audit_record
from apps.common.clock import SimulatedClock, clock_simulated
from apps.common.partitions import (
    PARTITIONED,
    add_months,
    default_name,
    month_floor,
    months_attached,
    partition_name,
    partitions_ensure,
)
from apps.compliance.retention import partitions_drop_expired
from apps.tracking.evidence import leaves_removed
from apps.transparency import services
from apps.transparency.models import LogCheckpoint, LogLeaf
from apps.transparency.services import AUDIT, inclusion_for, leaf_data, log_integrate, log_verify
from greenshield import merkle
from tests.helpers import migrate_to

ENTRIES, LEAVES = "audit_auditentry", "transparency_logleaf"


def _partition_of(table: str, where: str, params) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE {where}", params)  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def entries_at(moment: datetime.datetime, count: int, action: str = "test.partitioned") -> list[AuditEntry]:
    """``count`` audit entries written by the services with their clock at ``moment``."""
    with clock_simulated(SimulatedClock(moment)):
        return [audit_record(actor=None, action=action, target_type="test", target_id=str(i)) for i in range(count)]


def integrate_at(monkeypatch, moment: datetime.datetime, **options):
    """Integrate pending leaves as the integrator would have at ``moment`` (the log's own clock is the wall clock;
    only the integrator's reading of it is moved)."""
    with monkeypatch.context() as patch:
        patch.setattr(services, "timezone", types.SimpleNamespace(now=lambda: moment))
        result = log_integrate(**options)
    assert not result.busy
    return result


def test_each_leaf_keeps_its_records_partition_key_whenever_it_is_integrated(db, monkeypatch):
    then = timezone.now() - datetime.timedelta(days=40)
    entries = entries_at(then, 3)
    result = integrate_at(monkeypatch, timezone.now())
    assert result.integrated >= 3
    keys = dict(LogLeaf.objects.filter(data__in=[f"audit:{e.hash}" for e in entries]).values_list("data", "record_at"))
    assert sorted(keys.values()) == sorted(e.at for e in entries) and len(keys) == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_audit_entries_and_leaves_are_partitioned_by_month_with_months_ahead(require_postgres, settings):
    now = timezone.now()
    assert {ENTRIES, LEAVES} <= set(PARTITIONED)
    with connection.cursor() as cursor:
        for table, column in [(ENTRIES, "at"), (LEAVES, "record_at")]:
            cursor.execute("SELECT pg_get_partkeydef(%s::regclass)", [table])
            assert cursor.fetchone()[0] == f"RANGE ({column})"
            wanted = {add_months(month_floor(now), n) for n in range(settings.GREENSHIELD_PARTITIONS_AHEAD_MONTHS + 1)}
            assert wanted <= set(months_attached(cursor, table)), table
    entry = entries_at(now, 1)[0]
    log_integrate()
    this_month = month_floor(now)
    assert _partition_of(ENTRIES, "id = %s", [entry.pk]) == {partition_name(ENTRIES, this_month)}
    assert _partition_of(LEAVES, "data = %s", [leaf_data(AUDIT, entry.hash)]) == {partition_name(LEAVES, this_month)}
    # an entry of a month without a partition yet lands in the default one, and moves into its month later
    far = datetime.datetime(2032, 3, 9, tzinfo=datetime.UTC)
    late = entries_at(far, 1)[0]
    assert _partition_of(ENTRIES, "id = %s", [late.pk]) == {default_name(ENTRIES)}
    partitions_ensure(now=far, ahead=0)
    assert _partition_of(ENTRIES, "id = %s", [late.pk]) == {partition_name(ENTRIES, month_floor(far))}
    assert AuditEntry.objects.get(pk=late.pk).hash == late.hash


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_leaf_looked_up_with_its_records_key_reads_only_that_month(require_postgres, monkeypatch):
    now = timezone.now()
    old_month = add_months(month_floor(now), -2)
    partitions_ensure(now=now, since=old_month)
    old_entry = entries_at(old_month + datetime.timedelta(days=2), 1)[0]
    integrate_at(monkeypatch, old_month + datetime.timedelta(days=2, minutes=1))
    entry = entries_at(now, 1)[0]
    log_integrate()
    size = services.tree_size()
    plan = services.leaves_of(leaf_data(AUDIT, entry.hash), size=size, record_at=entry.at).explain()
    assert set(re.findall(r" on (transparency_logleaf_p\w+)", plan)) == {partition_name(LEAVES, month_floor(now))}, plan
    assert inclusion_for(leaf_data(AUDIT, entry.hash), record_at=entry.at) is not None
    # without the time every month is probed, and the old leaf is found either way
    assert partition_name(LEAVES, old_month) in services.leaves_of(leaf_data(AUDIT, entry.hash), size=size).explain()
    assert inclusion_for(leaf_data(AUDIT, old_entry.hash), record_at=old_entry.at).index == \
        inclusion_for(leaf_data(AUDIT, old_entry.hash)).index


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["UPDATE {p} SET reason = 'rewritten'", "DELETE FROM {p}", "TRUNCATE {p}"])
def test_the_audit_log_stays_append_only_on_each_partition(require_postgres, statement):
    now = timezone.now()
    entries_at(now, 2)
    log_integrate()
    for table in (ENTRIES, LEAVES):
        # a row trigger fires on rows: the (empty) default partition is tried with TRUNCATE only
        names = [partition_name(table, month_floor(now)), table]
        if statement.startswith("TRUNCATE"):
            names.append(default_name(table))
        for name in names:
            sql = statement.format(p=name).replace("reason = 'rewritten'",
                                                   "reason = 'rewritten'" if table == ENTRIES else "data = 'x'")
            with pytest.raises(DatabaseError, match="refused"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert AuditEntry.objects.filter(action="test.partitioned").count() == 2
    assert not AuditEntry.objects.filter(reason="rewritten").exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_retention_drops_an_old_month_of_entries_and_leaves_and_the_log_still_verifies(require_postgres, settings,
                                                                                        monkeypatch, world, client_for):
    now = timezone.now()
    old_month = add_months(month_floor(now), -1)
    partitions_ensure(now=now, since=old_month)
    log_integrate()  # whatever was pending before the test: integrated now, kept
    # An old month: 300 entries — more than a tile — integrated there in two runs (two checkpoints in the month).
    old = entries_at(old_month + datetime.timedelta(days=3), 200) + entries_at(old_month + datetime.timedelta(days=9), 100)
    integrate_at(monkeypatch, old_month + datetime.timedelta(days=9, hours=1), max_leaves=200)
    first_old = LogCheckpoint.objects.order_by("-id").first()
    integrate_at(monkeypatch, old_month + datetime.timedelta(days=9, hours=2))
    old_leaves = LogLeaf.objects.filter(record_at__lt=add_months(old_month, 1)).count()
    assert old_leaves == 300
    # This month: more entries, integrated now.
    kept = entries_at(now, 5)
    log_integrate()
    saved = LogCheckpoint.objects.order_by("-id").first()
    assert log_verify() == []
    # A year on, evidence and audit kept for just under that: the old month is past, this one is not.
    later = add_months(month_floor(now), 12) + datetime.timedelta(days=1)
    days = (later - add_months(old_month, 1)).days
    settings.GREENSHIELD_RETENTION_DAYS = {**settings.GREENSHIELD_RETENTION_DAYS, "evidence": days, "audit": days}

    dropped = {d.table: d for d in partitions_drop_expired(now=later)}

    assert dropped[ENTRIES].partition == partition_name(ENTRIES, old_month) and dropped[ENTRIES].rows >= 300
    assert dropped[LEAVES].partition == partition_name(LEAVES, old_month) and dropped[LEAVES].rows == old_leaves
    entries_record = DestructionRecord.objects.get(data_class="audit entries")
    leaves_record = DestructionRecord.objects.get(data_class="log leaves")
    assert entries_record.records == dropped[ENTRIES].rows and leaves_record.records == old_leaves
    assert entries_record.older_than == leaves_record.older_than == add_months(old_month, 1)
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in kept]).count() == 5
    assert leaves_removed() == old_leaves

    # The log: the leaves that are left still hash, with the tiles standing in for the dropped ones, to every
    # signed root; without the destruction records the missing leaves are a problem.
    assert log_verify(removed=old_leaves) == []
    problems = log_verify(removed=0)
    assert any("missing from the log" in p for p in problems)
    out = io.StringIO()
    call_command("verify_log", "--no-progress", stdout=out)
    assert f"{old_leaves} leaves of expired months dropped by retention" in out.getvalue()
    # A dropped record's leaf is not found; a kept one's is, with a proof that verifies.
    assert inclusion_for(leaf_data(AUDIT, old[0].hash)) is None
    inclusion = inclusion_for(leaf_data(AUDIT, kept[0].hash))
    latest = LogCheckpoint.objects.order_by("-id").first()
    merkle.verify_inclusion(inclusion.index, inclusion.size, inclusion.leaf_hash, inclusion.hashes,
                            bytes.fromhex(latest.root_hash))
    # Proofs between checkpoints of before and after the drop still serve and verify (they come from the tiles).
    client = client_for("regulator")
    body = client.get("/api/v1/log/proofs/consistency/", {"from": first_old.size, "to": saved.size}).json()
    merkle.verify_consistency(first_old.size, saved.size, bytes.fromhex(first_old.root_hash),
                              bytes.fromhex(saved.root_hash), [bytes.fromhex(h) for h in body["hashes"]])
    proof = client.get("/api/v1/log/proofs/inclusion/", {"index": 5, "size": saved.size})
    assert proof.status_code == 200  # a dropped leaf's place in the tree is still proved from the tiles
    # New leaves still integrate, and the log still verifies.
    entries_at(timezone.now(), 2)
    result = log_integrate()
    assert result.integrated >= 2 and result.size == LogLeaf.objects.order_by("-index").first().index + 1
    assert log_verify(removed=leaves_removed()) == []
    call_command("verify_log", "--no-progress", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("shorter", ["audit", "evidence"])
def test_entries_and_leaves_kept_for_different_times_still_verify(require_postgres, settings, monkeypatch, shorter):
    """Audit entries dropped while their leaves stay (or the other way round) are no problem for verify_log; an
    entry of a kept month deleted behind retention's back still is."""
    now = timezone.now()
    old_month = add_months(month_floor(now), -1)
    partitions_ensure(now=now, since=old_month)
    log_integrate()
    entries_at(old_month + datetime.timedelta(days=4), 3)
    integrate_at(monkeypatch, old_month + datetime.timedelta(days=4, minutes=1))
    kept = entries_at(now, 3)
    log_integrate()
    later = add_months(month_floor(now), 12) + datetime.timedelta(days=1)
    days = (later - add_months(old_month, 1)).days
    settings.GREENSHIELD_RETENTION_DAYS = {**settings.GREENSHIELD_RETENTION_DAYS, "evidence": days + 400,
                                           "audit": days + 400, shorter: days}
    dropped = {d.table for d in partitions_drop_expired(now=later)}
    assert (ENTRIES in dropped, LEAVES in dropped) == ((True, False) if shorter == "audit" else (False, True))
    call_command("verify_log", "--no-progress", stdout=io.StringIO())

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [kept[1].pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_log", "--no-progress", stdout=out)
    assert out.getvalue().count("the audit entry it commits to is gone") == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_leaf_removed_behind_retentions_back_is_still_found(require_postgres, settings, monkeypatch):
    """Retention's count covers only what it dropped: one more leaf gone from the kept months is a problem."""
    now = timezone.now()
    old_month = add_months(month_floor(now), -1)
    partitions_ensure(now=now, since=old_month)
    log_integrate()
    entries_at(old_month + datetime.timedelta(days=2), 3)
    integrate_at(monkeypatch, old_month + datetime.timedelta(days=2))
    entries_at(now, 4)
    log_integrate()
    later = add_months(month_floor(now), 12) + datetime.timedelta(days=1)
    days = (later - add_months(old_month, 1)).days
    settings.GREENSHIELD_RETENTION_DAYS = {**settings.GREENSHIELD_RETENTION_DAYS, "evidence": days, "audit": days}
    partitions_drop_expired(now=later)
    assert log_verify(removed=leaves_removed()) == []
    last = LogLeaf.objects.order_by("-index").first().index
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute('DELETE FROM transparency_logleaf WHERE "index" = %s', [last - 1])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    problems = log_verify(removed=leaves_removed())
    assert f"leaves {last - 1}…{last - 1} are missing from the log" in problems


# -- the migrations from the plain layout -------------------------------------------------------------------------

BEFORE = [("audit", "0006_destruction_record_append_only"), ("transparency", "0003_guards")]






def _relkind(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migrations_from_the_plain_tables_keep_every_row(require_postgres, back_to_latest, monkeypatch):
    now = timezone.now()
    old_month = add_months(month_floor(now), -2)
    entries_at(old_month + datetime.timedelta(days=1), 4)
    integrate_at(monkeypatch, old_month + datetime.timedelta(days=1, hours=1))
    entries_at(now, 3)
    log_integrate()
    leaves_before = list(LogLeaf.objects.order_by("index").values_list("index", "data", "record_at"))

    migrate_to(BEFORE)

    assert _relkind(ENTRIES) == _relkind(LEAVES) == "r"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM transparency_logleaf")
        assert cursor.fetchone()[0] == len(leaves_before)
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass "
                       "AND tgname = 'audit_entry_append_only'")
        assert cursor.fetchone()[0] == 1
    # rows written in the plain layout: audit entries and their pending leaves, as the code of then wrote them
    # (a pending leaf had no record_at yet)
    from apps.audit import services as audit_services

    def append_as_before(entry):
        entry.hash = audit_services.entry_hash(entry)
        entry.save()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO transparency_pendingleaf (data, queued_at) VALUES (%s, now())",
                           [f"audit:{entry.hash}"])

    with monkeypatch.context() as patch:
        patch.setattr(audit_services, "_append", append_as_before)
        entries_at(now, 2, action="test.plain")
    entries = AuditEntry.objects.count()

    migrate_to([("audit", "0007_partitioned_entries"), ("transparency", "0004_partitioned_leaves")])

    assert _relkind(ENTRIES) == _relkind(LEAVES) == "p"
    assert AuditEntry.objects.count() == entries
    assert AuditEntry.objects.filter(action="test.plain").count() == 2
    # every leaf is back, each with its record's partition key again (found by the record's hash)
    after = list(LogLeaf.objects.order_by("index").values_list("index", "data", "record_at"))
    assert after == leaves_before
    assert _partition_of(LEAVES, "record_at < %s", [add_months(old_month, 1)]) == {partition_name(LEAVES, old_month)}
    assert _partition_of(ENTRIES, "at < %s", [add_months(old_month, 1)]) == {partition_name(ENTRIES, old_month)}
    result = log_integrate()
    assert result.integrated == 2
    assert log_verify() == []
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'rewritten'")
