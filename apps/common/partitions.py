"""Time partitions of the evidence tables on PostgreSQL: one declarative range partition a month (UTC), a
``DEFAULT`` partition that catches any row outside them (nothing accepted is ever refused for want of a
partition), partitions created ahead by a beat task, and expired months detached and dropped whole.

Why our own beat task and not pg_partman: the maintenance is ~100 lines of SQL we test here, it runs on the
embedded stack's services as they are (no extension to install on every node, none on the hot standby's promotion
path, none on a managed PostgreSQL that might not offer it), it records a destruction record and an audit entry in
the same transaction as the drop — which pg_partman's retention cannot — and it moves rows that landed in the
default partition into their month when the month is created late. pg_partman 5 would be the choice once the
table count grows past what a beat task comfortably walks (it is in Debian as ``postgresql-15-partman``).

``PARTITIONED`` is the one list: the migrations convert each table (``convert_operations``), the beat keeps
``GREENSHIELD_PARTITIONS_AHEAD_MONTHS`` months ahead (``partitions_ensure``), retention drops months past the
table's retention (``apps.compliance.retention.partitions_drop_expired``), and ``tests/apps/common/
test_partitions.py`` checks that each table is partitioned as listed. On SQLite (the embedded default) tables are
plain and everything here is a no-op.
"""
# Every statement here is DDL or maintenance SQL on identifiers from PARTITIONED (quoted by _quote), never on input.
# ruff: noqa: S608
from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection as default_connection
from django.db.migrations.operations.base import Operation

UTC = datetime.UTC


@dataclass(frozen=True)
class Partitioned:
    """A table partitioned by month on ``column`` (a timestamptz). ``retention`` is the key of
    ``GREENSHIELD_RETENTION_DAYS`` after which a whole month is dropped (None: kept for ever).
    ``unique`` lists the unique constraints as created on the partitioned table (each must hold ``column``);
    ``primary_key`` likewise."""

    table: str
    column: str
    retention: str | None
    primary_key: tuple[str, ...]
    unique: dict[str, tuple[str, ...]] = field(default_factory=dict)
    data_class: str = ""


PARTITIONED: dict[str, Partitioned] = {
    "tracking_checkpointevent": Partitioned(
        "tracking_checkpointevent", "parcel_accepted_at", retention="evidence",
        primary_key=("id", "parcel_accepted_at"),
        unique={"one_link_per_position": ("parcel_id", "seq", "parcel_accepted_at"),
                "event_id_once_per_company": ("organization_id", "event_id", "parcel_accepted_at")},
        data_class="chain links"),
    # The personal part of a last-mile link lives in its link's month and is dropped with it (its location and salt
    # are erased long before, by the last_mile_location retention).
    "parcels_linkpersonaldata": Partitioned(
        "parcels_linkpersonaldata", "parcel_accepted_at", retention="evidence",
        primary_key=("id", "parcel_accepted_at"),
        unique={"parcels_linkpersonaldata_event_id_key": ("event_id", "parcel_accepted_at")},
        data_class="personal parts of links"),
    # The audit log by the entry's time; the legacy per-entry chain's seq is unique with it (entries written
    # since the transparency log have no seq).
    "audit_auditentry": Partitioned(
        "audit_auditentry", "at", retention="audit", primary_key=("id", "at"),
        unique={"audit_legacy_seq_once": ("seq", "at")}, data_class="audit entries"),
    # The transparency log's leaves by their record's own partition key (a link's parcel_accepted_at, an audit
    # entry's at), so a leaf and its record share a month and go together, and "this leaf's record is gone" can be
    # told from retention exactly. Their tiles and the signed checkpoints are not partitioned: once a month of
    # leaves is dropped the tree still verifies from its tiles.
    "transparency_logleaf": Partitioned(
        "transparency_logleaf", "record_at", retention="evidence", primary_key=("index", "record_at"),
        data_class="log leaves"),
}

NAME_RE = re.compile(r"_p(\d{4})(\d{2})$")


def month_floor(moment: datetime.datetime) -> datetime.datetime:
    moment = moment.astimezone(UTC)
    return datetime.datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(month: datetime.datetime, count: int) -> datetime.datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime.datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(table: str, month: datetime.datetime) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_pdefault"


def is_postgresql(connection=None) -> bool:
    return (connection or default_connection).vendor == "postgresql"


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def months_attached(cursor, table: str) -> list[datetime.datetime]:
    """The months that have a partition of ``table``, oldest first (the default partition is not a month)."""
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "WHERE i.inhparent = to_regclass(%s)", [table])
    months = []
    for (name,) in cursor.fetchall():
        match = NAME_RE.search(name)
        if match and name == f"{table}_p{match[1]}{match[2]}":
            months.append(datetime.datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC))
    return sorted(months)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(cursor, table: str) -> list[str]:
    cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                   "AND NOT attisdropped ORDER BY attnum", [table])
    return [row[0] for row in cursor.fetchall()]


def _guard_partition(cursor, table: str, name: str) -> None:
    """A partition refuses TRUNCATE on its own as its parent does (a statement trigger is not inherited)."""
    from apps.common.evidence_guards import EVIDENCE_TABLES

    if table in EVIDENCE_TABLES:
        cursor.execute(f'CREATE TRIGGER {_quote(name + "_no_truncate")} BEFORE TRUNCATE ON {_quote(name)} '
                       "FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse()")


def _triggers(cursor, table: str) -> list[str]:
    """The definitions of ``table``'s own triggers (not those a partition inherits, nor constraint triggers)."""
    cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                   "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname", [table])
    return [row[0] for row in cursor.fetchall()]


def _guard_table(cursor, table: str, triggers: list[str]) -> None:
    """The rebuilt table gets the triggers the old one had, as they were (the evidence guards, and any other such
    as the audit log's own append-only trigger); row triggers of a partitioned table reach every partition, present
    and future."""
    for definition in triggers:
        cursor.execute(definition)


#: Creating a month ahead is the one DDL the running service (the app role of ``db_roles``, which owns nothing) may
#: do: through this function, run with its owner's rights, for a partitioned table of the schema and a month within
#: 400 days back and 13 months on (no flooding the catalogue). Dropping a month is the owner's alone.
CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION greenshield_partition_create(parent regclass, month timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    first timestamptz := date_trunc('month', month AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                   WHERE p.partrelid = parent AND c.relnamespace = 'public'::regnamespace) THEN
        RAISE EXCEPTION '% is not a partitioned table of the schema', parent USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF first < now() - interval '400 days' OR first > now() + interval '13 months' THEN
        RAISE EXCEPTION 'month % is too far from now', first USING ERRCODE = 'insufficient_privilege';
    END IF;
    name := (SELECT relname FROM pg_class WHERE oid = parent) || '_p' || to_char(first AT TIME ZONE 'UTC', 'YYYYMM');
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', name, parent, first,
                   first + interval '1 month');
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = parent AND tgname LIKE '%_no_truncate' AND NOT tgisinternal) THEN
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse()',
                       name || '_no_truncate', name);
    END IF;
    RETURN true;
END;
$$;
"""


def may_drop(cursor, table: str) -> bool:
    """Only the table's owner drops a month: the running service (the app role) cannot destroy evidence."""
    cursor.execute("SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = %s::regclass",
                   [table])
    return bool(cursor.fetchone()[0])


def month_create(cursor, spec: Partitioned, month: datetime.datetime) -> bool:
    """Create ``month``'s partition of ``spec.table`` if missing; False if it existed. Rows of that month already
    in the default partition move into it, in this transaction (the default is detached meanwhile, so the parent
    never holds a row twice nor misses one) — which only the owner may do."""
    name, upper = partition_name(spec.table, month), add_months(month, 1)
    if month in months_attached(cursor, spec.table):
        return False
    parent, default, column = _quote(spec.table), _quote(default_name(spec.table)), _quote(spec.column)
    bounds = "FOR VALUES FROM (%s) TO (%s)"
    # Through the parent (the app role has no grant on a partition itself): with the month missing, any row of it
    # is in the default partition, and only that one is scanned.
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {parent} WHERE {column} >= %s AND {column} < %s)", [month, upper])
    if not cursor.fetchone()[0]:
        if not may_drop(cursor, spec.table):  # not the owner: the one bounded function
            cursor.execute("SELECT greenshield_partition_create(%s::regclass, %s)", [spec.table, month])
            return bool(cursor.fetchone()[0])
        cursor.execute(f"CREATE TABLE {_quote(name)} PARTITION OF {parent} {bounds}", [month, upper])
        _guard_partition(cursor, spec.table, name)
        return True
    columns = ", ".join(_quote(c) for c in _columns(cursor, spec.table))
    cursor.execute(f"ALTER TABLE {parent} DETACH PARTITION {default}")
    cursor.execute(f"CREATE TABLE {_quote(name)} PARTITION OF {parent} {bounds}", [month, upper])
    _guard_partition(cursor, spec.table, name)
    where = f"{column} >= %s AND {column} < %s"
    cursor.execute(f"INSERT INTO {parent} ({columns}) SELECT {columns} FROM {default} WHERE {where}", [month, upper])
    cursor.execute(f"DELETE FROM {default} WHERE {where}", [month, upper])
    cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {default} DEFAULT")
    return True


def partitions_ensure(*, now: datetime.datetime, ahead: int | None = None, since: datetime.datetime | None = None,
                      connection=None) -> list[str]:
    """Every partitioned table has its months from the current one (or ``since``'s: back-dated data, the
    simulator's history) to ``ahead`` months on. Returns the partitions created. Idempotent; each table in its own
    transaction."""
    from django.conf import settings
    from django.db import transaction

    connection = connection or default_connection
    if not is_postgresql(connection):
        return []
    ahead = settings.GREENSHIELD_PARTITIONS_AHEAD_MONTHS if ahead is None else ahead
    created = []
    first, last = month_floor(min(since or now, now)), add_months(month_floor(now), ahead)
    for spec in PARTITIONED.values():
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if not is_partitioned(cursor, spec.table):
                continue
            month = first
            while month <= last:
                if month_create(cursor, spec, month):
                    created.append(partition_name(spec.table, month))
                month = add_months(month, 1)
    return created


@dataclass(frozen=True)
class Dropped:
    table: str
    partition: str
    month: datetime.datetime
    rows: int


def month_drop(cursor, spec: Partitioned, month: datetime.datetime) -> Dropped:
    """Detach ``month``'s partition and drop it whole; returns how many rows went with it. The caller records
    the destruction in the same transaction."""
    name = partition_name(spec.table, month)
    # Deferred foreign-key checks of rows written earlier in this transaction must run before the table goes.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"SELECT count(*) FROM {_quote(name)}")
    rows = cursor.fetchone()[0]
    cursor.execute(f"ALTER TABLE {_quote(spec.table)} DETACH PARTITION {_quote(name)}")
    cursor.execute(f"DROP TABLE {_quote(name)}")
    return Dropped(spec.table, name, month, rows)


def expired_months(cursor, spec: Partitioned, cutoff: datetime.datetime) -> list[datetime.datetime]:
    """The months of ``spec.table`` wholly before ``cutoff`` (a month ends when the next begins)."""
    return [m for m in months_attached(cursor, spec.table) if add_months(m, 1) <= cutoff]


# -- converting a plain table (migrations) ---------------------------------------------------------------------

@dataclass
class Conversion:
    """How a migration turns ``spec.table`` into a partitioned table and back. ``key_sql`` is the SQL expression
    giving a row of the old table (alias ``o``) its partition key, with any ``joins`` it needs; ``indexes`` are the
    plain indexes as ``(name, columns SQL)``; ``after`` runs extra SQL on the new table (foreign keys, guards)."""

    spec: Partitioned
    key_sql: str
    joins: str = ""
    indexes: list[tuple[str, str]] = field(default_factory=list)
    after: Callable | None = None
    first_month: Callable | None = None


def _drop_dependents(cursor, table: str) -> None:
    """Foreign keys from other tables into ``table`` (a partitioned table cannot be referenced by its id alone)."""
    cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint "
                   "WHERE confrelid = to_regclass(%s) AND contype = 'f' AND conrelid <> confrelid", [table])
    for other, name in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {other} DROP CONSTRAINT {_quote(name)}")


def _rename_old(cursor, table: str, old: str) -> None:
    """Rename the table and free the names of its indexes and constraints for the new table."""
    cursor.execute(f"ALTER TABLE {_quote(table)} RENAME TO {_quote(old)}")
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u', 'f')",
                   [old])
    for (name,) in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {_quote(old)} DROP CONSTRAINT {_quote(name)} CASCADE")
    cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = to_regclass(%s)", [old])
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
    cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal", [old])
    for (name,) in cursor.fetchall():
        cursor.execute(f"DROP TRIGGER {_quote(name)} ON {_quote(old)}")


def _identity(cursor, table: str) -> str | None:
    cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attidentity <> '' "
                   "AND attnum > 0", [table])
    row = cursor.fetchone()
    return row[0] if row else None


def _restart_identity(cursor, table: str) -> None:
    column = _identity(cursor, table)
    if column:
        cursor.execute(f"SELECT coalesce(max({_quote(column)}), 0) + 1 FROM {_quote(table)}")
        cursor.execute(f"ALTER TABLE {_quote(table)} ALTER COLUMN {_quote(column)} RESTART WITH {cursor.fetchone()[0]}")


def _name_identity_sequence(cursor, table: str) -> None:
    """The rebuilt table's identity sequence takes the usual name once the old table (and its sequence) is gone."""
    column = _identity(cursor, table)
    if not column:
        return
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
    sequence, wanted = cursor.fetchone()[0], f"{table}_{column}_seq"
    if sequence and sequence.split(".")[-1].strip('"') != wanted:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_quote(wanted)}")


def _build_keys(cursor, conversion: Conversion, triggers: list[str], *, primary_key: tuple[str, ...],
                unique: dict[str, tuple[str, ...]]) -> None:
    """On the rebuilt table, once its rows are in: the identity restarted past them, the primary key, the unique
    constraints and indexes (one sorted build each), ``after``, and the old table's triggers."""
    table = conversion.spec.table
    _restart_identity(cursor, table)
    cursor.execute(f"ALTER TABLE {_quote(table)} ADD PRIMARY KEY ({', '.join(map(_quote, primary_key))})")
    for name, columns in unique.items():
        cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} "
                       f"UNIQUE ({', '.join(map(_quote, columns))})")
    for name, columns_sql in conversion.indexes:
        cursor.execute(f"CREATE INDEX {_quote(name)} ON {_quote(table)} ({columns_sql})")
    if conversion.after:
        conversion.after(cursor)
    _guard_table(cursor, table, triggers)


def to_partitioned(cursor, conversion: Conversion, *, now: datetime.datetime, ahead: int = 3,
                   progress: Callable[[str], None] | None = None) -> int:
    """Rebuild ``spec.table`` as a partitioned table holding every row of the old one (plus its key column when the
    old table lacks it); returns the number of rows moved. Indexes and unique constraints are created after the
    copy (one sorted build each, not one insert at a time)."""
    spec = conversion.spec
    table, old = spec.table, f"{spec.table}_unpartitioned"
    say = progress or (lambda message: None)
    old_columns = _columns(cursor, table)
    triggers = _triggers(cursor, table)
    _drop_dependents(cursor, table)
    _rename_old(cursor, table, old)
    has_key = spec.column in old_columns
    key_column = "" if has_key else f", {_quote(spec.column)} timestamptz NOT NULL"
    cursor.execute(f"CREATE TABLE {_quote(table)} (LIKE {_quote(old)} INCLUDING DEFAULTS INCLUDING IDENTITY "
                   f"INCLUDING CONSTRAINTS INCLUDING STORAGE{key_column}) PARTITION BY RANGE ({_quote(spec.column)})")
    if has_key:
        cursor.execute(f"ALTER TABLE {_quote(table)} ALTER COLUMN {_quote(spec.column)} SET NOT NULL")
    cursor.execute(f"SELECT min({conversion.key_sql}) FROM {_quote(old)} o {conversion.joins}")
    oldest = cursor.fetchone()[0]
    first = month_floor(min(oldest, now)) if oldest else month_floor(now)
    month, last = first, add_months(month_floor(now), ahead)
    while month <= last:
        name = partition_name(table, month)
        cursor.execute(f"CREATE TABLE {_quote(name)} PARTITION OF {_quote(table)} FOR VALUES FROM (%s) TO (%s)",
                       [month, add_months(month, 1)])
        month = add_months(month, 1)
    cursor.execute(f"CREATE TABLE {_quote(default_name(table))} PARTITION OF {_quote(table)} DEFAULT")
    cursor.execute(CREATE_FUNCTION)
    say(f"{table}: {len(months_attached(cursor, table))} monthly partitions from {first:%Y-%m}; copying rows")
    columns = ", ".join(_quote(c) for c in old_columns)
    select = ", ".join(f"o.{_quote(c)}" for c in old_columns)
    key = "" if has_key else f", {_quote(spec.column)}"
    key_value = "" if has_key else f", {conversion.key_sql}"
    cursor.execute(f"INSERT INTO {_quote(table)} ({columns}{key}) SELECT {select}{key_value} "
                   f"FROM {_quote(old)} o {conversion.joins}")
    moved = cursor.rowcount
    cursor.execute(f"SELECT count(*) FROM {_quote(old)}")
    if cursor.fetchone()[0] != moved:
        raise RuntimeError(f"{table}: not every row found its partition key; nothing was changed")
    say(f"{table}: {moved} rows copied; building indexes")
    _build_keys(cursor, conversion, triggers, primary_key=spec.primary_key, unique=spec.unique)
    for name in [*(partition_name(table, m) for m in months_attached(cursor, table)), default_name(table)]:
        _guard_partition(cursor, table, name)
    cursor.execute(f"DROP TABLE {_quote(old)}")
    _name_identity_sequence(cursor, table)
    cursor.execute(f"ANALYZE {_quote(table)}")
    return moved


def to_plain(cursor, conversion: Conversion, *, drop_key: bool, unique: dict[str, tuple[str, ...]],
             primary_key: tuple[str, ...]) -> int:
    """The way back (a migration's reverse): the rows into one plain table, the key column dropped if the forward
    conversion added it."""
    spec = conversion.spec
    table, old = spec.table, f"{spec.table}_partitioned"
    columns = [c for c in _columns(cursor, table) if not (drop_key and c == spec.column)]
    triggers = _triggers(cursor, table)
    _drop_dependents(cursor, table)
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "WHERE i.inhparent = to_regclass(%s)", [table])
    partitions = [row[0] for row in cursor.fetchall()]
    _rename_old(cursor, table, old)
    cursor.execute(f"CREATE TABLE {_quote(table)} (LIKE {_quote(old)} INCLUDING DEFAULTS INCLUDING IDENTITY "
                   "INCLUDING CONSTRAINTS INCLUDING STORAGE)")
    if drop_key:
        cursor.execute(f"ALTER TABLE {_quote(table)} DROP COLUMN {_quote(spec.column)}")
    names = ", ".join(_quote(c) for c in columns)
    cursor.execute(f"INSERT INTO {_quote(table)} ({names}) SELECT {names} FROM {_quote(old)}")
    moved = cursor.rowcount
    _build_keys(cursor, conversion, triggers, primary_key=primary_key, unique=unique)
    for name in partitions:
        cursor.execute(f"DROP TABLE IF EXISTS {_quote(name)}")
    cursor.execute(f"DROP TABLE {_quote(old)}")
    _name_identity_sequence(cursor, table)
    return moved


# -- migration operations --------------------------------------------------------------------------------------

class OffPostgres(Operation):
    """``operation`` on the migration state everywhere, on the database only off PostgreSQL: there the partition
    conversion builds the table in its final shape itself."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return ("apps.common.partitions.OffPostgres", [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (off PostgreSQL; there the partitioning builds it)"


def conversion_functions(conversion: Conversion, *, plain_primary_key: tuple[str, ...],
                         plain_unique: dict[str, tuple[str, ...]], drop_key: bool):
    """``(forwards, backwards)`` for a migration's ``RunPython`` converting ``conversion.spec.table`` to partitions
    and back (PostgreSQL only; elsewhere the migration's ``OffPostgres`` operations shape the plain table)."""
    from django.utils import timezone

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                to_partitioned(cursor, conversion, now=timezone.now())

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                to_plain(cursor, conversion, drop_key=drop_key, primary_key=plain_primary_key, unique=plain_unique)

    return forwards, backwards
