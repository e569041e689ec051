"""The audit log is tamper-evident: PostgreSQL refuses UPDATE and DELETE, the ORM refuses them, and an entry
changed behind both (with the trigger disabled, as a superuser could) is detected by verify_chains."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AppendOnlyError, AuditEntry
from apps.audit.services import audit_chain_verify, audit_record
from greenshield import chain

pytestmark = pytest.mark.django_db


def entries(n: int = 5):
    return [audit_record(actor=None, action="test.event", target_type="thing", target_id=str(i), data={"i": i})
            for i in range(n)]


def test_entries_are_chained_in_order():
    made = entries()
    stored = list(AuditEntry.objects.order_by("seq"))
    assert [e.pk for e in stored] == [e.pk for e in made]
    assert stored[0].prev_hash == chain.GENESIS
    for previous, entry in zip(stored, stored[1:], strict=False):
        assert entry.prev_hash == previous.hash and entry.seq == previous.seq + 1
    verdict = audit_chain_verify()
    assert verdict.valid and verdict.length == 5


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


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditentry SET reason = 'rewritten'",
    "DELETE FROM audit_auditentry",
])
def test_postgresql_refuses_updates_and_deletes(require_postgres, statement):
    entries(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
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
    "UPDATE audit_auditentry SET reason = 'rewritten' WHERE seq = 3",
    "UPDATE audit_auditentry SET actor = 'someone_else' WHERE seq = 2",
    "DELETE FROM audit_auditentry WHERE seq = 3",
])
def test_an_altered_or_removed_entry_is_detected(sql):
    entries(5)
    _tamper(sql)
    verdict = audit_chain_verify()
    assert not verdict.valid
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_chains", "--no-progress", stdout=out)
    assert failure.value.returncode == 1
    assert "The audit log was altered" in out.getvalue()
