"""The Citus plan checked in code (apps/common/distribution.py, docs/scale.md): every statement the hot paths —
acceptance, screening, scan ingest, trace — send to PostgreSQL names the distribution key of each distributed table it
touches, or is one of the listed exemptions with its reason. Captured at the driver, so the ingest's raw COPY path is
seen too (Django's CaptureQueriesContext sees only what goes through Django's cursor wrapper)."""
from __future__ import annotations

import contextlib
import re

import psycopg2.extensions
import pytest
from django.db import connection

from apps.common.distribution import DISTRIBUTED, EXEMPTIONS, REFERENCE
from tests.helpers import API, accept, events_post, scan, screening_post

pytestmark = pytest.mark.postgres

KEYWORDS = {"on", "where", "set", "inner", "left", "right", "full", "cross", "join", "order", "group", "limit",
            "values", "select", "using", "returning", "for", "do", "outer", "with", "as", "union", "offset"}
TABLE_REFERENCE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?([A-Za-z_]\w*)"?)?', re.I)


class RecordingCursor(psycopg2.extensions.cursor):
    """Every statement as sent to the server (templates before binding), whichever path sent it."""

    statements: list[str] | None = None

    def _record(self, sql):
        if RecordingCursor.statements is not None:
            RecordingCursor.statements.append(sql.decode() if isinstance(sql, bytes) else str(sql))

    def execute(self, sql, params=None):
        self._record(sql)
        return super().execute(sql, params)

    def executemany(self, sql, params_seq):
        self._record(sql)
        return super().executemany(sql, params_seq)

    def copy_expert(self, sql, file, size=8192):
        self._record(sql)
        return super().copy_expert(sql, file, size)


@contextlib.contextmanager
def statements_sent():
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory
    raw.cursor_factory = RecordingCursor
    RecordingCursor.statements = sent = []
    try:
        yield sent
    finally:
        RecordingCursor.statements = None
        raw.cursor_factory = previous


def distributed_references(sql: str) -> dict[str, set[str]]:
    """Distributed tables the statement touches → the names it refers to them by (table name, alias)."""
    found: dict[str, set[str]] = {}
    for table, alias in TABLE_REFERENCE.findall(sql):
        if table in DISTRIBUTED:
            names = found.setdefault(table, {table})
            if alias and alias.lower() not in KEYWORDS:
                names.add(alias)
    return found


def names_key(sql: str, table: str, names: set[str], alone: bool) -> bool:
    """Does the statement constrain ``table`` by one of its distribution columns (or insert a value into one)?"""
    keys = DISTRIBUTED[table].keys
    insert = re.search(rf'INSERT INTO "?{table}"?\s*\(([^)]*)\)', sql)
    if insert:
        return any(re.search(rf'\b"?{key}"?(,|\s|$)', insert.group(1)) for key in keys)
    qualifier = "|".join(re.escape(f'"{n}"') + "|" + re.escape(n) for n in names)
    for key in keys:
        column = rf'(?<![\w.])(?:{qualifier})\."?{key}"?'
        if re.search(rf'{column}\s*(?:=|IN\s*\()', sql) or re.search(rf'=\s*{column}\b', sql):
            return True
        if alone and re.search(rf'(?<![."\w])"?{key}"?\s*(?:=|IN\s*\()', sql):
            return True
    return False


def violations(statements: list[str], used: set[int]) -> list[str]:
    found = []
    for sql in statements:
        references = distributed_references(sql)
        for table, names in references.items():
            if names_key(sql, table, names, alone=len(references) == 1):
                continue
            exemption = next((i for i, e in enumerate(EXEMPTIONS) if e.covers(table, sql)), None)
            if exemption is None:
                found.append(f"{table}: {sql[:400]}")
            else:
                used.add(exemption)
    return found


def hot_paths(world, client_for) -> dict[str, list[str]]:
    outlet, supervisor = client_for("outlet_staff"), client_for("supervisor")
    screener, device = client_for("screener"), client_for("device")
    accept(outlet)  # the sender exists: the next acceptance takes the usual path
    captured = {}
    with statements_sent() as captured["acceptance"]:
        waybill = accept(outlet)["waybill_no"]
    with statements_sent() as captured["screening"]:
        assert screening_post(screener, waybill).status_code == 201
    with statements_sent() as captured["ingest"]:
        events_post(device, [scan(waybill, "ARRIVED", facility="SH-HUB-01"),
                             scan(waybill, "SORTED", facility="SH-HUB-01"),
                             scan(waybill, "LOADED", facility="SH-HUB-01")])
    with statements_sent() as captured["trace"]:
        assert supervisor.get(f"{API}/parcels/{waybill}/trace/").status_code == 200
    return captured


def test_hot_path_statements_name_the_distribution_key(require_postgres, world, client_for):
    captured = hot_paths(world, client_for)
    assert all(captured.values()), {path: len(sql) for path, sql in captured.items()}
    # the raw COPY path of the ingest is among what was seen
    assert any(sql.startswith("COPY ") or 'INSERT INTO "tracking_checkpointevent"' in sql
               for sql in captured["ingest"])

    used: set[int] = set()
    problems = {path: violations(statements, used) for path, statements in captured.items()}
    assert not any(problems.values()), problems
    stale = [EXEMPTIONS[i] for i in range(len(EXEMPTIONS)) if i not in used]
    assert not stale, f"exemptions no hot path needs any more (remove them): {stale}"


def test_a_statement_without_the_key_is_caught():
    used: set[int] = set()
    assert violations(['SELECT * FROM "tracking_checkpointevent" WHERE "tracking_checkpointevent"."courier_id" = %s'],
                      used)
    assert violations(['UPDATE "screening_screening" SET "result" = %s WHERE "screening_screening"."id" = %s'], used)
    assert not violations(['SELECT * FROM "tracking_checkpointevent" WHERE "tracking_checkpointevent"."parcel_id" = %s'],
                          used)
    assert not violations(['INSERT INTO "screening_screening" ("id", "parcel_id") VALUES (%s, %s)'], used)
    assert not violations(['UPDATE "parcels_parcel" AS p SET chain_length = v.length FROM unnest(%s::uuid[]) '
                           'AS v(id) WHERE p.id = v.id'], used)


def test_the_map_names_real_tables_and_columns(require_postgres, db):
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for table in (*DISTRIBUTED, *REFERENCE):
            assert table in tables, table
        for distributed in DISTRIBUTED.values():
            columns = {c.name for c in connection.introspection.get_table_description(cursor, distributed.table)}
            assert set(distributed.keys) <= columns, distributed
            # a planned column that now exists belongs in keys (and its exemption can go)
            assert not set(distributed.planned) & columns, distributed
