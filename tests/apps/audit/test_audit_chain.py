"""The audit log is tamper-evident: PostgreSQL refuses UPDATE, DELETE and TRUNCATE, the ORM refuses them, each
entry's hash covers its content (an entry changed behind both, with the trigger disabled as a superuser could, is
detected by verify_chains), and each entry is a leaf of the transparency log — what shows an entry removed, or
the table emptied (tests/apps/transparency/test_verify_log.py).

Changed by design with the transparency log (issue 13): entries are no longer chained to each other (``seq`` and
``prev_hash`` stay only on entries written before), so writers take no global lock; removal is caught by the
log instead of by the chain."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AppendOnlyError, AuditEntry
from apps.audit.services import audit_entries_verify, audit_record, entry_hash
from apps.transparency.models import PendingLeaf
from greenshield import chain

pytestmark = pytest.mark.django_db


def entries(n: int = 5):
    return [audit_record(actor=None, action="test.event", target_type="thing", target_id=str(i), data={"i": i})
            for i in range(n)]


def test_each_entry_hashes_its_content_and_queues_its_leaf():
    made = entries()
    for entry in AuditEntry.objects.all():
        assert entry.hash == chain.content_digest({k: v for k, v in _content(entry).items()})
        assert entry.seq is None and entry.prev_hash == ""
    assert sorted(PendingLeaf.objects.values_list("data", flat=True)) == sorted(f"audit:{e.hash}" for e in made)
    verdict = audit_entries_verify()
    assert verdict.valid and verdict.length == 5


def _content(entry):
    from apps.audit.services import entry_content

    return entry_content(entry)


def test_an_entry_of_the_former_chain_still_verifies():
    """Entries written under the per-entry chain keep their seq and predecessor in what their hash covers."""
    entry = AuditEntry(at=entries(1)[0].at, actor="system", action="old.event", seq=1, prev_hash=chain.GENESIS)
    entry.hash = entry_hash(entry)
    entry.save()
    assert entry.hash == chain.link_hash(chain.GENESIS, _content(entry)) and "seq" in _content(entry)
    assert audit_entries_verify().valid


def test_the_orm_refuses_updates_and_deletes():
    entry = entries(1)[0]
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize(("statement", "refusal"), [
    ("UPDATE audit_auditentry SET reason = 'rewritten'", "append-only"),
    ("DELETE FROM audit_auditentry", "append-only"),
    ("TRUNCATE audit_auditentry", "is evidence"),
])
def test_postgresql_refuses_updates_deletes_and_truncate(require_postgres, statement, refusal):
    entries(2)
    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.count() == 2


def _tamper(sql: str, params=()):
    """Change a row behind the ORM's back (and, on PostgreSQL, behind the trigger, as a database owner could)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditentry SET reason = 'rewritten' WHERE target_id = '3'",
    "UPDATE audit_auditentry SET actor = 'someone_else' WHERE target_id = '2'",
    "UPDATE audit_auditentry SET data = '{\"i\": 9}' WHERE target_id = '1'",
])
def test_an_altered_entry_is_detected(sql):
    made = entries(5)
    _tamper(sql)
    verdict = audit_entries_verify()
    assert not verdict.valid and len(verdict.altered) == 1
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_chains", "--no-progress", stdout=out)
    assert failure.value.returncode == 1
    assert "The audit log was altered" in out.getvalue()
    altered = next(e for e in made if str(e.id) in out.getvalue())
    assert altered.target_id in {"1", "2", "3"}
