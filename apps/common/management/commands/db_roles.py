"""db_roles [--owner NAME] [--app NAME]: create the owner (migrations) and app (serving) PostgreSQL roles and
hand the schema to the owner; passwords from GREENSHIELD_DB_OWNER_PASSWORD / GREENSHIELD_DB_APP_PASSWORD.
Run it as a superuser; idempotent. See ``apps.common.db_roles``."""
from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from apps.common import db_roles


class Command(BaseCommand):
    help = "Create the owner and app PostgreSQL roles (the app role owns nothing and cannot delete evidence)."

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="greenshield_owner", help="Owns the tables; runs migrations.")
        parser.add_argument("--app", default="greenshield_app", help="Serves requests; owns nothing.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, owner, app, database, **options):
        try:
            report = db_roles.roles_apply(owner=owner, app=app, using=database,
                                          owner_password=os.environ.get("GREENSHIELD_DB_OWNER_PASSWORD") or None,
                                          app_password=os.environ.get("GREENSHIELD_DB_APP_PASSWORD") or None)
        except db_roles.RolesError as exc:
            raise CommandError(str(exc)) from exc
        for role in report.created:
            self.stdout.write(f"Created role {role}.")
        self.stdout.write(f"{report.owner} owns {report.tables} tables; {report.app} may read and write them, "
                          f"with no DELETE on {report.evidence} evidence tables (no UPDATE on append-only ones), "
                          "no ALTER, no TRUNCATE, no DISABLE TRIGGER.")
        self.stdout.write(self.style.SUCCESS("Run migrations as the owner and the service as the app role."))
