"""Two PostgreSQL roles, so the running service cannot undo the evidence guards.

* The **owner** role owns every table, sequence and function of the schema and runs ``migrate``. Only it can
  ``ALTER TABLE``, ``DISABLE TRIGGER`` or ``TRUNCATE``: it is used for deployments, not to serve requests.
* The **app** role serves requests (gunicorn, Celery). It owns nothing and is no member of the owner, so it cannot
  alter a table, disable a guard trigger or truncate. It gets SELECT, INSERT, UPDATE and DELETE on working tables
  and sequence usage; on evidence tables (``evidence_guards.EVIDENCE_TABLES``) no DELETE — except the pending
  leaves the log integrator consumes — and on append-only ones no UPDATE either. Retention needs no DELETE: it
  anonymises with an UPDATE.

``roles_apply`` (``manage.py db_roles``, run as a superuser or a role with CREATEROLE that owns the tables) does
everything and is idempotent; ``app_grants_apply`` re-grants the app role after a migration, which the owner can
do on its own tables (``post_migrate`` runs it when ``GREENSHIELD_DB_APP_ROLE`` is set).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connections, transaction

from .evidence_guards import EVIDENCE_TABLES, Guard

ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ALL = ("SELECT", "INSERT", "UPDATE", "DELETE")
#: What the app role may do on each kind of table.
PRIVILEGES: dict[Guard | None, tuple[str, ...]] = {
    None: ALL,
    Guard.NO_TRUNCATE: ("SELECT", "INSERT", "UPDATE"),
    Guard.APPEND_ONLY: ("SELECT", "INSERT"),
    Guard.CONSUMED: ("SELECT", "INSERT", "DELETE"),
}
#: Tables the app only reads, whatever they are: the migration history is the owner's.
READ_ONLY = {"django_migrations": ("SELECT",)}


class RolesError(Exception):
    """The roles cannot be set up here (not PostgreSQL, a bad role name, the same name twice)."""


@dataclass
class RolesReport:
    owner: str
    app: str
    tables: int
    evidence: int
    created: list[str]


def app_privileges(table: str) -> tuple[str, ...]:
    if table in READ_ONLY:
        return READ_ONLY[table]
    return PRIVILEGES[EVIDENCE_TABLES.get(table)]


def _check(*names: str) -> None:
    for name in names:
        if not ROLE_RE.match(name):
            raise RolesError(f"{name!r} is not a plain lower-case role name.")
    if len(set(names)) != len(names):
        raise RolesError("The owner and the app role must be two different roles.")


def _tables(cursor, *, partitions: bool = True) -> list[str]:
    """The schema's tables; without the partitions of partitioned tables if ``partitions`` is False (the app role
    reaches a partition only through its parent, whose privileges PostgreSQL checks: granted nothing on a partition
    itself, it cannot DELETE from one directly)."""
    cursor.execute("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                   "AND c.relkind IN ('r', 'p') AND (%s OR NOT c.relispartition) ORDER BY 1", [partitions])
    return [row[0] for row in cursor.fetchall()]


def app_grants_apply(*, app: str, using: str = "default") -> int:
    """Give the app role exactly ``app_privileges`` on every table (revoking anything else) and sequence usage.
    Returns the number of tables."""
    _check(app)
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RolesError("Database roles are a PostgreSQL feature.")
    q = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        tables = _tables(cursor, partitions=False)
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {q(app)}")
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {q(app)}")
        for table in tables:
            cursor.execute(f"GRANT {', '.join(app_privileges(table))} ON {q(table)} TO {q(app)}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q(app)}")
    return len(tables)


def roles_apply(*, owner: str, app: str, owner_password: str | None = None, app_password: str | None = None,
                using: str = "default") -> RolesReport:
    """Create (or bring up to date) the two roles, hand every object of the schema to the owner and grant the app
    role its privileges. Idempotent."""
    _check(owner, app)
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RolesError("Database roles are a PostgreSQL feature.")
    q = connection.ops.quote_name
    created = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for role, password in ((owner, owner_password), (app, app_password)):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            if verb == "CREATE":
                created.append(role)
            cursor.execute(f"{verb} ROLE {q(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
            if password:
                cursor.execute(f"ALTER ROLE {q(role)} PASSWORD %s", [password])
        cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app, owner])
        if cursor.fetchone()[0]:
            raise RolesError(f"{app} is a member of {owner}: it could act as the owner. Revoke that first.")
        database = q(connection.settings_dict["NAME"])
        cursor.execute(f"GRANT CONNECT ON DATABASE {database} TO {q(owner)}, {q(app)}")
        cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {q(owner)}")
        cursor.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {q(app)}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {q(app)}")
        tables = _tables(cursor)
        for table in tables:  # a table's own sequences and indexes follow it
            cursor.execute(f"ALTER TABLE {q(table)} OWNER TO {q(owner)}")
        cursor.execute("SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                       "AND (c.relkind IN ('v', 'm') OR (c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                       "WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))))")
        for name, kind in cursor.fetchall():
            what = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}[kind]
            cursor.execute(f"ALTER {what} {q(name)} OWNER TO {q(owner)}")
        cursor.execute("SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace "
                       "AND p.prokind = 'f'")
        for signature in [row[0] for row in cursor.fetchall()]:
            cursor.execute(f"ALTER FUNCTION {signature} OWNER TO {q(owner)}")
        app_grants_apply(app=app, using=using)
    return RolesReport(owner=owner, app=app, tables=len(tables),
                       evidence=sum(1 for t in tables if t in EVIDENCE_TABLES), created=created)


def grants_after_migrate(sender=None, *, using: str = "default", **kwargs) -> None:
    """``post_migrate``: when the installation runs under an app role, keep its grants exact for new tables."""
    from django.conf import settings

    app = getattr(settings, "GREENSHIELD_DB_APP_ROLE", "")
    if not app or connections[using].vendor != "postgresql":
        return
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app])
        if not cursor.fetchone():
            return
    app_grants_apply(app=app, using=using)
