"""create_account USERNAME --role ROLE [--organization CODE] [--facility CODE] [--province CODE] [--employee-no NO]"""
from __future__ import annotations

import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import account_save
from apps.organizations.models import Facility, Organization, Staff
from greenshield.enums import Province, Role
from greenshield.errors import ApplicationError

FLAGS = {"facility": "--facility", "organization": "--organization", "province": "--province",
         "staff": "--employee-no (the staff member of that facility the account belongs to)"}


class Command(BaseCommand):
    help = "Create or update an account with one role and its scope. Password from --password or GS_PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=[r.value for r in Role])
        parser.add_argument("--superuser", action="store_true", help="An operator of the installation.")
        parser.add_argument("--organization", help="Company code, e.g. ZTO (supervisors).")
        parser.add_argument("--facility", help="Facility code (outlet staff, screeners).")
        parser.add_argument("--province", choices=[p.value for p in Province], help="Province code (regulators).")
        parser.add_argument("--employee-no", dest="employee_no",
                            help="The staff member this account belongs to (required for outlet staff and screeners: "
                                 "a staff member of --facility).")
        parser.add_argument("--password", help="Prefer the GS_PASSWORD variable: arguments show up in `ps`.")

    def handle(self, *args, username, role, superuser, organization, facility, province, employee_no, password,
               **options):
        if not role and not superuser:
            raise CommandError("Give --role ROLE (or --superuser).")
        password = password or os.environ.get("GS_PASSWORD")
        if not password:
            raise CommandError("Give a password with --password or the GS_PASSWORD variable.")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc
        organization_obj = self._get(Organization, code=organization) if organization else None
        facility_obj = self._get(Facility, code=facility) if facility else None
        staff_obj = self._get(Staff, employee_no=employee_no) if employee_no else None
        try:
            user = account_save(username=username, role=Role(role) if role else None, password=password,
                                organization=organization_obj, facility=facility_obj, province=province or "",
                                staff=staff_obj, superuser=superuser, via="create_account")
        except ApplicationError as exc:
            if exc.code == "scope_required":
                raise CommandError(f"Role {role} needs {FLAGS[exc.attr]}.") from exc
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.style.SUCCESS(f"Account {user.username} saved with role {role or 'superuser'}."))

    @staticmethod
    def _get(model, **lookup):
        try:
            return model.objects.get(**lookup)
        except model.DoesNotExist as exc:
            raise CommandError(f"No {model._meta.verbose_name} {next(iter(lookup.values()))!r}.") from exc
