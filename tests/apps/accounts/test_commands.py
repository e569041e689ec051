"""create_account, generate_key and load_demo, as an operator runs them."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Device, User
from apps.audit.models import AuditEntry
from apps.organizations.models import Organization, Staff
from greenshield import crypto
from greenshield.enums import Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-password-42"


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_create_account_for_each_role_with_its_scope(world):
    StaffFactory(employee_no="E1009", facility=world.zto_outlet, organization=world.zto)
    run("create_account", "anna", "--role", "outlet_staff", "--facility", "SH-PD-01", "--employee-no", "E1009",
        "--password", PASSWORD)
    run("create_account", "bo", "--role", "supervisor", "--organization", "ZTO", "--password", PASSWORD)
    run("create_account", "chen", "--role", "regulator", "--province", "320000", "--password", PASSWORD)
    anna, bo, chen = (User.objects.get(username=u) for u in ("anna", "bo", "chen"))
    assert anna.role == Role.OUTLET_STAFF and anna.facility.code == "SH-PD-01" and anna.organization.code == "ZTO"
    assert anna.staff.employee_no == "E1009" and not anna.is_staff
    assert bo.role == Role.SUPERVISOR and bo.organization.code == "ZTO" and bo.is_staff
    assert chen.role == Role.REGULATOR and chen.province == "320000" and chen.organization is None
    assert anna.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="account.save", target_id=str(anna.pk)).exists()


def test_create_account_takes_password_from_environment(world, monkeypatch):
    monkeypatch.setenv("GS_PASSWORD", PASSWORD)
    StaffFactory(employee_no="E1066", organization=world.zto, facility=world.zto_hub)  # the screener dai is
    run("create_account", "dai", "--role", "screener", "--facility", "SH-HUB-01", "--employee-no", "E1066")
    assert User.objects.get(username="dai").check_password(PASSWORD)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--role", "supervisor"], "needs --organization"),
        (["--role", "regulator"], "needs --province"),
        (["--role", "outlet_staff", "--facility", "NOPE"], "No facility 'NOPE'"),
        (["--role", "outlet_staff", "--facility", "SH-PD-01", "--employee-no", "E2001"], "another company"),
        (["--role", "supervisor", "--organization", "ZTO", "--password", "short"], "Password rejected"),
        (["--organization", "ZTO"], "--role"),
        (["--role", "outlet_staff", "--facility", "SH-PD-01", "--employee-no", "E1001"], "already has an account"),
    ],
)
def test_create_account_refuses_incomplete_scope(world, args, message):
    if "--password" not in args:
        args = [*args, "--password", PASSWORD]
    with pytest.raises(CommandError, match=message):
        run("create_account", "eve", *args)
    assert not User.objects.filter(username="eve").exists()


def test_generate_key_prints_a_usable_keyring_entry():
    entry = run("generate_key", "--id", "k2026").strip()
    ring = crypto.Keyring.parse(entry)
    assert ring.primary_id == "k2026"


def test_load_demo_is_idempotent_and_stores_no_plaintext():
    first = run("load_demo")
    counts = (Organization.objects.count(), Staff.objects.count(), Device.objects.count(), User.objects.count())
    second = run("load_demo")
    assert counts == (Organization.objects.count(), Staff.objects.count(), Device.objects.count(),
                      User.objects.count())
    assert counts[0] == 3 and counts[1] >= 30
    assert "zto_supervisor" in first and "Api-Key" in first
    assert "Api-Key" not in second  # keys are shown once
    for username, role in [("zto_outlet", Role.OUTLET_STAFF), ("zto_screener", Role.SCREENER),
                           ("zto_supervisor", Role.SUPERVISOR), ("sh_regulator", Role.REGULATOR)]:
        assert User.objects.get(username=username).role == role
    staff = Staff.objects.first()
    assert staff.__dict__["name"].startswith("gs2$")
