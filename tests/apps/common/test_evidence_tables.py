"""Every evidence table refuses TRUNCATE on PostgreSQL — even to a superuser, which bypasses privileges — and
every table of our apps is classified as evidence or not, so a new table cannot slip past the guards."""
from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from apps.common.evidence_guards import EVIDENCE_TABLES, NOT_EVIDENCE, Guard

pytestmark = pytest.mark.django_db


def app_tables() -> set[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model.__module__.startswith("apps.") and model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return tables


def test_every_table_of_our_apps_is_classified_once():
    tables = app_tables()
    unclassified = tables - set(EVIDENCE_TABLES) - set(NOT_EVIDENCE)
    assert not unclassified, f"classify these in apps/common/evidence_guards.py: {sorted(unclassified)}"
    assert not set(EVIDENCE_TABLES) & set(NOT_EVIDENCE)
    assert set(EVIDENCE_TABLES) <= tables and set(NOT_EVIDENCE) <= tables, "a listed table no longer exists"


@pytest.mark.parametrize("table", sorted(EVIDENCE_TABLES))
def test_evidence_table_refuses_truncate(require_postgres, table):
    # a partitioned table's partitions refuse it too (and may be the first to say so)
    with pytest.raises(DatabaseError, match=rf"{table}(_p\w+)? is evidence \(TRUNCATE refused\)"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'TRUNCATE "{table}" CASCADE')


def test_destruction_records_refuse_update_and_delete(require_postgres):
    import datetime

    from django.utils import timezone

    from apps.audit.models import DestructionRecord

    now = timezone.now()
    record = DestructionRecord.objects.create(at=now, data_class="acceptance", records=3, retention_days=1095,
                                              older_than=now - datetime.timedelta(days=1095))
    for statement in ("UPDATE audit_destructionrecord SET records = 0 WHERE id = %s",
                      "DELETE FROM audit_destructionrecord WHERE id = %s"):
        with pytest.raises(DatabaseError, match="evidence"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [record.pk])
    assert DestructionRecord.objects.get(pk=record.pk).records == 3


def test_truncate_guard_triggers_are_installed_on_exactly_the_evidence_tables(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE NOT t.tgisinternal AND t.tgname LIKE '%%_no_truncate' AND NOT c.relispartition")
        guarded = {row[0] for row in cursor.fetchall()}
    assert guarded == set(EVIDENCE_TABLES)


def test_append_only_triggers_are_installed_on_exactly_the_append_only_tables(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE NOT t.tgisinternal AND t.tgname LIKE '%%append_only' AND t.tgtype & 16 = 16 "  # fires on UPDATE
                       "AND NOT c.relispartition")  # a partition's copy of its parent's row trigger
        guarded = {row[0] for row in cursor.fetchall()}
    assert guarded == {t for t, guard in EVIDENCE_TABLES.items() if guard is Guard.APPEND_ONLY}
