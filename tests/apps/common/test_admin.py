"""The Django admin: scoped like the API (out of scope is 404), view-only for supervisors and regulators,
staff personal data only ever masked, the audit log read-only for everyone, device keys shown once."""
from __future__ import annotations

import datetime
import re

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from rest_framework_api_key.models import APIKey

from apps.accounts.models import DeviceAPIKey, User
from apps.audit.models import AuditEntry
from apps.audit.services import audit_record
from apps.common.fields import Ciphertext
from apps.organizations.models import Organization, Staff
from greenshield.enums import Province, Role
from greenshield.identity import make_resident_id, phone_national_digits

STAFF = "/admin/organizations/staff/"
ORGANIZATIONS = "/admin/organizations/organization/"
FACILITIES = "/admin/organizations/facility/"
DEVICES = "/admin/accounts/device/"
USERS = "/admin/accounts/user/"
AUDIT = "/admin/audit/auditentry/"
KEY_PATTERN = re.compile(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}")

NEW_ID = make_resident_id("310115", datetime.date(1990, 5, 17), 123)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user(world):
    return lambda kind: login(world.users[kind])


def plaintexts(staff: Staff) -> list[str]:
    """Every clear form of a staff member's personal data that must never reach a page."""
    return [staff.name, staff.id_number, staff.phone, phone_national_digits(staff.phone)]


def assert_no_plaintext(html: str, *staff_members: Staff):
    for staff in staff_members:
        for value in plaintexts(staff):
            assert value not in html, f"plaintext personal data of {staff.employee_no} in the page"


def change_url(base: str, obj) -> str:
    return f"{base}{obj.pk}/change/"


def staff_post(world, **overrides) -> dict:
    data = {
        "employee_no": "E3001", "organization": world.zto.pk, "facility": world.zto_outlet.pk,
        "status": "ACTIVE", "id_type": "RESIDENT_ID", "new_name": "王小明", "new_id_number": NEW_ID,
        "new_phone": "139 1234 5678", "_save": "Save",
    }
    data.update(overrides)
    return data


# -- who gets in -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["outlet_staff", "screener"])
def test_api_roles_cannot_use_the_admin(as_user, kind):
    response = as_user(kind).get(STAFF)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_api_role_with_admin_flag_still_sees_nothing(world, as_user):
    outlet = world.users["outlet_staff"]
    outlet.is_staff = True
    outlet.save()
    client = as_user("outlet_staff")
    assert client.get(STAFF).status_code == 403
    assert STAFF not in client.get("/admin/").content.decode()


def test_supervisor_index_lists_reference_data_but_not_accounts(as_user):
    html = as_user("supervisor").get("/admin/").content.decode()
    for path in (STAFF, ORGANIZATIONS, FACILITIES, DEVICES, AUDIT):
        assert path in html
    assert USERS not in html


@pytest.mark.parametrize("kind", ["supervisor", "regulator"])
def test_accounts_are_for_superusers_only(world, as_user, kind):
    client = as_user(kind)
    assert client.get(USERS).status_code == 403
    assert client.get(change_url(USERS, world.users["outlet_staff"])).status_code in (403, 404)


def test_library_api_key_admin_is_not_registered():
    assert not django_admin.site.is_registered(APIKey)
    assert not django_admin.site.is_registered(DeviceAPIKey)


# -- scoping -------------------------------------------------------------------------------------------------

def test_supervisor_sees_only_their_company_staff_masked(world, as_user):
    response = as_user("supervisor").get(STAFF)
    assert response.status_code == 200
    html = response.content.decode()
    assert "E1001" in html and "E1002" in html
    assert "E2001" not in html
    assert world.zto_courier.masked_name in html
    assert_no_plaintext(html, world.zto_courier, world.zto_screener_staff, world.yto_courier)


def test_supervisor_staff_detail_is_masked_and_read_only(world, as_user):
    staff = world.zto_courier
    response = as_user("supervisor").get(change_url(STAFF, staff))
    assert response.status_code == 200
    html = response.content.decode()
    for masked in (staff.masked_name, staff.masked_id_number, staff.masked_phone):
        assert masked in html
    assert_no_plaintext(html, staff)
    assert 'name="new_name"' not in html and 'name="employee_no"' not in html
    assert 'name="_save"' not in html


def test_supervisor_gets_404_for_another_company(world, as_user):
    client = as_user("supervisor")
    for url in (change_url(STAFF, world.yto_courier), f"{STAFF}{world.yto_courier.pk}/history/",
                change_url(ORGANIZATIONS, world.yto), change_url(FACILITIES, world.yto_hub),
                change_url(DEVICES, world.yto_device)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_no_plaintext(response.content.decode(), world.yto_courier)


def test_changelist_filters_offer_only_companies_in_scope(world, as_user):
    html = as_user("supervisor").get(STAFF).content.decode()
    assert world.zto.name in html
    assert world.yto.name not in html


def test_regulator_of_shanghai_sees_zto_not_yto(world, as_user):
    client = as_user("regulator")
    html = client.get(ORGANIZATIONS).content.decode()
    assert "ZTO" in html and "YTO" not in html
    staff_html = client.get(STAFF).content.decode()
    assert "E1001" in staff_html and "E2001" not in staff_html
    assert client.get(change_url(ORGANIZATIONS, world.zto)).status_code == 200
    assert client.get(change_url(ORGANIZATIONS, world.yto)).status_code == 404


def test_encrypted_columns_cannot_be_queried_from_the_url(as_user):
    client = as_user("superuser")
    assert client.get(STAFF, {"name__startswith": "测"}).status_code == 400
    assert client.get(STAFF, {"id_number_index": "00"}).status_code == 400


# -- view-only roles -----------------------------------------------------------------------------------------

def test_supervisor_cannot_add_change_or_delete(world, as_user):
    client = as_user("supervisor")
    staff = world.zto_courier
    before = (staff.name, staff.phone, staff.status)
    assert client.get(f"{STAFF}add/").status_code == 403
    assert client.post(f"{STAFF}add/", staff_post(world)).status_code == 403
    assert client.post(change_url(STAFF, staff), staff_post(world, employee_no="E1001",
                                                             status="SUSPENDED")).status_code == 403
    assert client.post(f"{STAFF}{staff.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(change_url(ORGANIZATIONS, world.zto), {"name": "x"}).status_code == 403
    staff = Staff.objects.get(pk=staff.pk)
    assert (staff.name, staff.phone, staff.status) == before
    assert not Staff.objects.filter(employee_no="E3001").exists()


def test_supervisor_has_no_bulk_actions(world, as_user):
    assert "delete_selected" not in as_user("supervisor").get(STAFF).content.decode()
    response = as_user("supervisor").post(STAFF, {"action": "delete_selected",
                                                  "_selected_action": [world.zto_courier.pk]})
    assert Staff.objects.filter(pk=world.zto_courier.pk).exists()
    assert response.status_code in (200, 302)


# -- superusers write staff through the encrypted form ------------------------------------------------------

def test_superuser_adds_staff_encrypted_and_shown_masked(world, as_user):
    client = as_user("superuser")
    response = client.post(f"{STAFF}add/", staff_post(world))
    assert response.status_code == 302, response.content.decode()[:2000]

    staff = Staff.objects.get(employee_no="E3001")
    assert (staff.name, staff.id_number, staff.phone) == ("王小明", NEW_ID, "+8613912345678")
    for attribute, plain in (("name", "王小明"), ("id_number", NEW_ID), ("phone", "+8613912345678")):
        stored = staff.__dict__[attribute]
        assert isinstance(stored, Ciphertext) and plain not in stored
    assert staff.id_number_index and staff.phone_index

    html = client.get(change_url(STAFF, staff)).content.decode()
    assert "王**" in html and staff.masked_id_number in html and staff.masked_phone in html
    assert_no_plaintext(html, staff)
    assert 'placeholder="leave blank to keep"' in html
    assert AuditEntry.objects.filter(action="staff.create", target_id=str(staff.pk)).exists()


def test_superuser_edit_keeps_blank_personal_data_and_replaces_typed(world, as_user):
    client = as_user("superuser")
    staff = world.zto_courier
    name, id_number = staff.name, staff.id_number
    data = staff_post(world, employee_no="E1001", new_name="", new_id_number="", new_phone="13800138000",
                      status="SUSPENDED")
    response = client.post(change_url(STAFF, staff), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Staff.objects.get(pk=staff.pk)
    assert (staff.name, staff.id_number, staff.phone, staff.status) == (name, id_number, "+8613800138000",
                                                                         "SUSPENDED")


def test_invalid_id_number_is_a_form_error_and_not_echoed(world, as_user):
    bad = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    response = as_user("superuser").post(f"{STAFF}add/", staff_post(world, new_id_number=bad))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "new_id_number" in errors
    assert bad not in response.content.decode()
    assert not Staff.objects.filter(employee_no="E3001").exists()


def test_invalid_phone_and_foreign_facility_are_form_errors(world, as_user):
    response = as_user("superuser").post(f"{STAFF}add/", staff_post(world, new_phone="12345",
                                                                     facility=world.yto_hub.pk))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "new_phone" in errors and "facility" in errors
    assert not Staff.objects.filter(employee_no="E3001").exists()


def test_personal_data_is_required_when_adding(world, as_user):
    response = as_user("superuser").post(f"{STAFF}add/", staff_post(world, new_name="", new_phone=""))
    errors = response.context["adminform"].form.errors
    assert "new_name" in errors and "new_phone" in errors


# -- audit log ----------------------------------------------------------------------------------------------

def test_audit_log_is_read_only_even_for_superusers(world, as_user):
    entry = audit_record(actor=world.users["supervisor"], action="pii.reveal", target=world.zto_courier,
                         reason="complaint 42")
    client = as_user("superuser")
    assert client.get(AUDIT).status_code == 200
    assert client.get(f"{AUDIT}add/").status_code == 403
    page = client.get(change_url(AUDIT, entry))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change_url(AUDIT, entry), {"reason": "edited"}).status_code == 403
    assert client.post(f"{AUDIT}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in client.get(AUDIT).content.decode()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "complaint 42"


def test_audit_log_is_scoped(world, as_user):
    zto = audit_record(actor=world.users["supervisor"], action="test.zto", organization=world.zto)
    yto = audit_record(actor=world.users["other_supervisor"], action="test.yto", organization=world.yto)
    provincial = audit_record(actor=world.users["regulator"], action="test.province",
                              province=Province.SHANGHAI)

    supervisor = as_user("supervisor")
    html = supervisor.get(AUDIT).content.decode()
    assert "test.zto" in html and "test.yto" not in html and "test.province" not in html
    assert supervisor.get(change_url(AUDIT, yto)).status_code == 404

    regulator = as_user("regulator")
    html = regulator.get(AUDIT).content.decode()
    assert "test.zto" in html and "test.province" in html and "test.yto" not in html
    assert regulator.get(change_url(AUDIT, zto)).status_code == 200
    assert as_user("other_regulator").get(change_url(AUDIT, provincial)).status_code == 404


# -- devices and their keys ---------------------------------------------------------------------------------

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


# -- accounts -----------------------------------------------------------------------------------------------

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
    response = as_user("superuser").post(f"{USERS}add/", {
        "username": "new_outlet", "usable_password": "true", "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase", "role": Role.OUTLET_STAFF.value, "organization": "",
        "facility": world.zto_outlet.pk, "province": "", "staff": "", "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="new_outlet")
    assert user.role == Role.OUTLET_STAFF and user.organization == world.zto and not user.is_staff
    assert AuditEntry.objects.filter(action="account.save", target_id=str(user.pk)).exists()


def test_superuser_changes_a_facility_audited(world, as_user):
    facility = world.zto_hub
    response = as_user("superuser").post(change_url(FACILITIES, facility), {
        "code": facility.code, "name": "浦东分拨中心", "kind": facility.kind, "organization": world.zto.pk,
        "region_code": "310115", "address": "", "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:3000]
    facility.refresh_from_db()
    assert facility.name == "浦东分拨中心"
    entry = AuditEntry.objects.get(action="facility.update", target_id=str(facility.pk))
    assert entry.organization_id == world.zto.pk and entry.data["via"] == "admin"


def test_organization_admin_lists_code_name_province(world, as_user):
    html = as_user("superuser").get(ORGANIZATIONS).content.decode()
    assert "ZTO" in html and "YTO" in html and Organization.objects.count() == 2
