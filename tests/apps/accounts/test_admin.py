"""The accounts admin: accounts for superusers only, a role and its scope given through the service's rules,
scanner devices whose API key is shown once, and the library's own key admin not registered."""
from __future__ import annotations

import re

import pytest
from django.contrib import admin as django_admin
from rest_framework_api_key.models import APIKey

from apps.accounts.models import DeviceAPIKey, User
from apps.audit.models import AuditEntry
from greenshield.enums import Role
from tests.admin_helpers import DEVICES, USERS, change_url
from tests.factories import StaffFactory

KEY_PATTERN = re.compile(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}")


@pytest.mark.parametrize("kind", ["supervisor", "regulator"])
def test_accounts_are_for_superusers_only(world, as_user, kind):
    client = as_user(kind)
    assert client.get(USERS).status_code == 403
    # Not a matter of scope: the role may not open accounts at all, so the account page is refused like the list.
    assert client.get(change_url(USERS, world.users["outlet_staff"])).status_code == 403


def test_library_api_key_admin_is_not_registered():
    assert not django_admin.site.is_registered(APIKey)
    assert not django_admin.site.is_registered(DeviceAPIKey)


def test_issue_api_key_action_shows_the_key_once(world, as_user):
    client = as_user("superuser")
    device = world.zto_device
    old_key = device.plain_api_key
    response = client.post(DEVICES, {"action": "issue_api_key", "_selected_action": [device.pk]})
    assert response.status_code == 200
    keys = KEY_PATTERN.findall(response.content.decode())
    assert len(keys) == 1
    new_key = keys[0]
    assert DeviceAPIKey.objects.is_valid(new_key) and DeviceAPIKey.objects.get_from_key(new_key).device == device
    assert not DeviceAPIKey.objects.is_valid(old_key)
    assert AuditEntry.objects.filter(action="device.key_rotate", target_id=str(device.pk)).exists()

    for url in (DEVICES, change_url(DEVICES, device)):
        assert new_key not in client.get(url).content.decode()


def test_supervisor_cannot_issue_keys(world, as_user):
    client = as_user("supervisor")
    old_key = world.zto_device.plain_api_key
    assert "issue_api_key" not in client.get(DEVICES).content.decode()
    response = client.post(DEVICES, {"action": "issue_api_key", "_selected_action": [world.zto_device.pk]})
    assert not KEY_PATTERN.search(response.content.decode())
    assert DeviceAPIKey.objects.is_valid(old_key)
    assert DeviceAPIKey.objects.filter(device=world.zto_device).count() == 1


def test_superuser_adds_a_device_and_sees_its_key(world, as_user):
    response = as_user("superuser").post(f"{DEVICES}add/", {
        "serial": "SCN-NEW-1", "organization": world.zto.pk, "facility": world.zto_hub.pk,
        "description": "", "is_active": "on", "_save": "Save"})
    assert response.status_code == 200
    key = KEY_PATTERN.search(response.content.decode()).group(0)
    assert DeviceAPIKey.objects.get_from_key(key).device.serial == "SCN-NEW-1"


def test_superuser_gives_an_account_a_role_and_scope(world, as_user):
    client = as_user("superuser")
    user = User.objects.create_user("new_supervisor", password=None)
    data = {"username": "new_supervisor", "role": Role.SUPERVISOR.value, "organization": world.zto.pk,
            "facility": "", "province": "", "staff": "", "first_name": "", "last_name": "", "email": "",
            "is_active": "on", "_save": "Save"}
    response = client.post(change_url(USERS, user), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(pk=user.pk)
    assert user.role == Role.SUPERVISOR and user.organization == world.zto and user.is_staff

    data.update(role=Role.REGULATOR.value, organization="")
    response = client.post(change_url(USERS, user), data)
    assert response.status_code == 200
    assert "province" in response.context["adminform"].form.errors

    html = client.get(USERS).content.decode()
    assert "new_supervisor" in html and "supervisor" in html


def test_superuser_adds_an_outlet_account_through_the_service_rules(world, as_user):
    body = {"username": "new_outlet", "usable_password": "true", "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase", "role": Role.OUTLET_STAFF.value, "organization": "",
            "facility": world.zto_outlet.pk, "province": "", "staff": "", "_save": "Save"}
    # An outlet account is one staff member of that outlet (issue 11): without one the form says so.
    unlinked = as_user("superuser").post(f"{USERS}add/", body)
    assert unlinked.status_code == 200 and "staff member" in unlinked.content.decode()
    elsewhere = StaffFactory(employee_no="E1055", organization=world.zto, facility=world.zto_hub)
    wrong_place = as_user("superuser").post(f"{USERS}add/", {**body, "staff": elsewhere.pk})
    assert wrong_place.status_code == 200 and "another facility" in wrong_place.content.decode()
    staff = StaffFactory(employee_no="E1056", organization=world.zto, facility=world.zto_outlet)
    response = as_user("superuser").post(f"{USERS}add/", {**body, "staff": staff.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="new_outlet")
    assert user.role == Role.OUTLET_STAFF and user.organization == world.zto and not user.is_staff
    assert AuditEntry.objects.filter(action="account.save", target_id=str(user.pk)).exists()
