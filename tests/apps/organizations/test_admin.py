"""The reference-data admin — companies, facilities, staff: scoped like the API (out of scope is 404), view-only
for supervisors and regulators, staff personal data only ever masked, and superusers' writes through the
encrypted form, audited."""
from __future__ import annotations

import datetime

from apps.audit.models import AuditEntry
from apps.common.fields import Ciphertext
from apps.organizations.models import Organization, Staff
from greenshield.identity import make_resident_id
from tests.admin_helpers import DEVICES, FACILITIES, ORGANIZATIONS, STAFF, change_url
from tests.helpers import assert_no_plaintext, staff_plaintexts

NEW_ID = make_resident_id("310115", datetime.date(1990, 5, 17), 123)


def staff_post(world, **overrides) -> dict:
    data = {
        "employee_no": "E3001", "organization": world.zto.pk, "facility": world.zto_outlet.pk,
        "status": "ACTIVE", "id_type": "RESIDENT_ID", "new_name": "王小明", "new_id_number": NEW_ID,
        "new_phone": "139 1234 5678", "_save": "Save",
    }
    data.update(overrides)
    return data


def test_supervisor_sees_only_their_company_staff_masked(world, as_user):
    response = as_user("supervisor").get(STAFF)
    assert response.status_code == 200
    html = response.content.decode()
    assert "E1001" in html and "E1002" in html
    assert "E2001" not in html
    assert world.zto_courier.masked_name in html
    assert_no_plaintext(html, *staff_plaintexts(world.zto_courier, world.zto_screener_staff, world.yto_courier))


def test_supervisor_staff_detail_is_masked_and_read_only(world, as_user):
    staff = world.zto_courier
    response = as_user("supervisor").get(change_url(STAFF, staff))
    assert response.status_code == 200
    html = response.content.decode()
    for masked in (staff.masked_name, staff.masked_id_number, staff.masked_phone):
        assert masked in html
    assert_no_plaintext(html, *staff_plaintexts(staff))
    assert 'name="new_name"' not in html and 'name="employee_no"' not in html
    assert 'name="_save"' not in html


def test_supervisor_gets_404_for_another_company(world, as_user):
    client = as_user("supervisor")
    for url in (change_url(STAFF, world.yto_courier), f"{STAFF}{world.yto_courier.pk}/history/",
                change_url(ORGANIZATIONS, world.yto), change_url(FACILITIES, world.yto_hub),
                change_url(DEVICES, world.yto_device)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert_no_plaintext(response.content.decode(), *staff_plaintexts(world.yto_courier))


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
    # A supervisor is offered no action at all, so Django does not read the POST as one and shows the list again;
    # where actions are offered, a POST naming another is refused with a redirect (302).
    assert response.status_code == 200


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
    assert_no_plaintext(html, *staff_plaintexts(staff))
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
