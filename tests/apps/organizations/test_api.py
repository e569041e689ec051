"""REST API v1 reference data: organizations, facilities, staff, vehicles and devices.

Who may read what (scoped lists, 404 outside scope), who may write (superusers only, audited), the contract's
error codes for bad input, and staff personal data that only ever leaves the API masked.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from apps.accounts.models import Device
from apps.audit.models import AuditEntry
from apps.organizations.models import Facility, Organization, Staff, Vehicle
from greenshield.enums import FacilityKind, Province, Role
from greenshield.identity import make_resident_id
from tests.factories import (
    DeviceFactory,
    FacilityFactory,
    OrganizationFactory,
    StaffFactory,
    UserFactory,
    VehicleFactory,
)
from tests.helpers import assert_error, assert_no_plaintext, staff_plaintexts, token_client

API = "/api/v1"


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL segment
    key: str  # the field objects are addressed by
    model: type
    audit: str  # audit action prefix
    create: dict  # a valid new object (superuser)
    update: dict  # a valid PATCH

    def list_url(self) -> str:
        return f"{API}/{self.name}/"

    def detail_url(self, key: str) -> str:
        return f"{API}/{self.name}/{quote(key)}/"


NEW_STAFF_ID = make_resident_id("310115", datetime.date(1990, 5, 17), 123)

ENDPOINTS = {
    "organizations": Endpoint(
        "organizations", "code", Organization, "organization",
        create={"code": "YD", "name": "韵达速递", "license_no": "LIC-YD-001", "province": "330000"},
        update={"name": "韵达快递"},
    ),
    "facilities": Endpoint(
        "facilities", "code", Facility, "facility",
        create={"code": "SH-PD-02", "name": "浦东二部", "kind": "OUTLET", "organization": "ZTO",
                "region_code": "310115", "address": "世纪大道200号"},
        update={"name": "浦东第二营业部"},
    ),
    "staff": Endpoint(
        "staff", "employee_no", Staff, "staff",
        create={"employee_no": "E1009", "organization": "ZTO", "facility": "SH-PD-01", "name": "测试员王五",
                "id_type": "RESIDENT_ID", "id_number": NEW_STAFF_ID, "phone": "13900000009", "status": "ACTIVE"},
        update={"status": "SUSPENDED"},
    ),
    "vehicles": Endpoint(
        "vehicles", "plate", Vehicle, "vehicle",
        create={"plate": "沪A54321", "organization": "ZTO", "kind": "VAN"},
        update={"kind": "TRICYCLE"},
    ),
    "devices": Endpoint(
        "devices", "serial", Device, "device",
        create={"serial": "SCN-ZTO-9", "organization": "ZTO", "facility": "SH-HUB-01", "description": "手持终端"},
        update={"description": "固定式扫描仪"},
    ),
}
ENDPOINT_NAMES = list(ENDPOINTS)

# What each login sees, on top of the conftest world plus the `reference` fixture below.
ZTO_SEES = {"organizations": {"ZTO"}, "facilities": {"SH-PD-01", "SH-HUB-01"}, "staff": {"E1001", "E1002"},
            "vehicles": {"沪A12345"}, "devices": {"SCN-ZTO-1", "SCN-ZTO-2"}}
STO_SEES = {"organizations": {"STO"}, "facilities": {"SH-STO-01"}, "staff": {"E3001"}, "vehicles": {"沪B54321"},
            "devices": set()}
YTO_SEES = {"organizations": {"YTO"}, "facilities": {"NJ-XW-01", "NJ-HUB-01"}, "staff": {"E2001"},
            "vehicles": {"苏A12345"}, "devices": {"SCN-YTO-1"}}
VISIBLE = {
    "superuser": {name: ZTO_SEES[name] | STO_SEES[name] | YTO_SEES[name] for name in ENDPOINT_NAMES},
    "supervisor": ZTO_SEES,
    "regulator": {name: ZTO_SEES[name] | STO_SEES[name] for name in ENDPOINT_NAMES},  # Shanghai: ZTO and STO
    "outlet_staff": {"organizations": {"ZTO"}, "facilities": {"SH-PD-01"}, "staff": {"E1001"},
                     "vehicles": {"沪A12345"}, "devices": {"SCN-ZTO-2"}},
    "screener": {"organizations": {"ZTO"}, "facilities": {"SH-HUB-01"}, "staff": {"E1002"},
                 "vehicles": {"沪A12345"}, "devices": {"SCN-ZTO-1"}},
    "other_supervisor": YTO_SEES,
    "other_regulator": YTO_SEES,
    "other_outlet_staff": {"organizations": {"YTO"}, "facilities": {"NJ-XW-01"}, "staff": {"E2001"},
                           "vehicles": {"苏A12345"}, "devices": set()},
}
ROLE_LOGINS = [kind for kind in VISIBLE if kind != "superuser"]
ALL_KEYS = VISIBLE["superuser"]


@pytest.fixture
def reference(world):
    """The world plus vehicles, a second Shanghai company (STO) and a scanner at the ZTO outlet."""
    sto = OrganizationFactory(code="STO", name="申通快递", province=Province.SHANGHAI)
    sto_outlet = FacilityFactory(code="SH-STO-01", organization=sto, kind=FacilityKind.OUTLET, region_code="310104")
    StaffFactory(employee_no="E3001", facility=sto_outlet, organization=sto)
    VehicleFactory(plate="沪A12345", organization=world.zto)
    VehicleFactory(plate="苏A12345", organization=world.yto)
    VehicleFactory(plate="沪B54321", organization=sto)
    DeviceFactory(serial="SCN-ZTO-2", facility=world.zto_outlet, organization=world.zto)
    return world


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def audit_actions(prefix: str) -> list[str]:
    return sorted(AuditEntry.objects.filter(action__startswith=f"{prefix}.").values_list("action", flat=True))


def some_visible_key(kind: str, endpoint: str) -> str:
    """An object the login can see (or, if it sees none, any object)."""
    return sorted(VISIBLE[kind][endpoint] or ALL_KEYS[endpoint])[0]


# --- reading: scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("kind", list(VISIBLE))
def test_list_contains_exactly_the_objects_in_scope(reference, client_for, kind, endpoint):
    ep = ENDPOINTS[endpoint]
    listed = [row[ep.key] for row in rows(client_for(kind).get(ep.list_url()))]
    assert sorted(listed) == sorted(VISIBLE[kind][endpoint])


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("kind", list(VISIBLE))
def test_retrieve_in_scope_returns_the_object(reference, client_for, kind, endpoint):
    ep = ENDPOINTS[endpoint]
    client = client_for(kind)
    for key in VISIBLE[kind][endpoint]:
        response = client.get(ep.detail_url(key))
        assert response.status_code == 200, (key, response.content)
        assert response.json()[ep.key] == key


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("kind", ROLE_LOGINS)
def test_retrieve_out_of_scope_is_not_found(reference, client_for, kind, endpoint):
    ep = ENDPOINTS[endpoint]
    client = client_for(kind)
    hidden = ALL_KEYS[endpoint] - VISIBLE[kind][endpoint]
    assert hidden
    for key in hidden:
        assert_error(client.get(ep.detail_url(key)), 404, "not_found")


@pytest.mark.parametrize(("kind", "url"), [
    ("supervisor", "/api/v1/staff/E2001/"),
    ("other_regulator", "/api/v1/organizations/ZTO/"),
    ("regulator", "/api/v1/facilities/NJ-HUB-01/"),
    ("outlet_staff", "/api/v1/staff/E1002/"),  # same company, another facility
    ("screener", "/api/v1/devices/SCN-ZTO-2/"),
])
def test_examples_out_of_scope(reference, client_for, kind, url):
    assert_error(client_for(kind).get(url), 404, "not_found")


def test_out_of_scope_answers_like_a_missing_object(reference, client_for):
    client = client_for("supervisor")
    hidden = client.get("/api/v1/staff/E2001/")
    missing = client.get("/api/v1/staff/E9999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_a_role_without_its_scope_sees_nothing(reference, endpoint):
    """A supervisor account nobody attached to a company must not default to seeing everything."""
    client = token_client(UserFactory(username="loose_supervisor", role=Role.SUPERVISOR))
    assert rows(client.get(ENDPOINTS[endpoint].list_url())) == []


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_an_account_without_a_role_is_forbidden(reference, endpoint):
    client = token_client(UserFactory(username="no_role"))
    assert_error(client.get(ENDPOINTS[endpoint].list_url()), 403, "permission_denied")


@pytest.mark.parametrize(("kind", "url", "expected"), [
    ("superuser", "/api/v1/facilities/?organization=YTO", {"NJ-XW-01", "NJ-HUB-01"}),
    ("superuser", "/api/v1/staff/?facility=SH-HUB-01", {"E1002"}),
    ("superuser", "/api/v1/vehicles/?organization=STO", {"沪B54321"}),
    ("superuser", "/api/v1/devices/?organization=YTO", {"SCN-YTO-1"}),
    ("superuser", "/api/v1/organizations/?province=310000", {"STO", "ZTO"}),
    ("regulator", "/api/v1/facilities/?kind=HUB", {"SH-HUB-01"}),
    ("supervisor", "/api/v1/staff/?organization=YTO", set()),  # a filter never widens the scope
    ("supervisor", "/api/v1/organizations/?province=320000", set()),
])
def test_filters_narrow_within_scope(reference, client_for, kind, url, expected):
    key = ENDPOINTS[url.split("/")[3]].key
    assert {row[key] for row in rows(client_for(kind).get(url))} == expected


def test_list_is_paginated(reference, client_for):
    body = client_for("superuser").get("/api/v1/facilities/?limit=2").json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]


# --- who may not read or write -------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("kind", ROLE_LOGINS)
def test_roles_cannot_write_reference_data(reference, client_for, kind, endpoint):
    ep = ENDPOINTS[endpoint]
    client = client_for(kind)
    key = some_visible_key(kind, endpoint)
    before = ep.model.objects.count()

    assert_error(client.post(ep.list_url(), ep.create, format="json"), 403, "permission_denied")
    assert_error(client.patch(ep.detail_url(key), ep.update, format="json"), 403, "permission_denied")
    assert_error(client.put(ep.detail_url(key), ep.create, format="json"), 403, "permission_denied")
    assert_error(client.delete(ep.detail_url(key)), 403, "permission_denied")

    assert ep.model.objects.count() == before
    assert ep.model.objects.filter(**{ep.key: key}).exists()
    assert audit_actions(ep.audit) == []


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
@pytest.mark.parametrize("kind", ["device", "other_device"])
def test_devices_read_nothing(reference, client_for, kind, endpoint):
    """A scanner's key posts events and nothing else, even about its own company."""
    ep = ENDPOINTS[endpoint]
    client = client_for(kind)
    assert_error(client.get(ep.list_url()), 403, "permission_denied")
    for key in ALL_KEYS[endpoint]:
        assert_error(client.get(ep.detail_url(key)), 403, "permission_denied")
    assert_error(client.post(ep.list_url(), ep.create, format="json"), 403, "permission_denied")
    assert_error(client.delete(ep.detail_url(some_visible_key("supervisor", endpoint))), 403, "permission_denied")


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_anonymous_is_unauthenticated(reference, client_for, endpoint):
    ep = ENDPOINTS[endpoint]
    client = client_for("anonymous")
    key = some_visible_key("supervisor", endpoint)
    for response in (client.get(ep.list_url()), client.get(ep.detail_url(key)),
                     client.post(ep.list_url(), ep.create, format="json"), client.delete(ep.detail_url(key))):
        assert_error(response, 401, "not_authenticated")
        assert response.has_header("WWW-Authenticate")
    assert ep.model.objects.filter(**{ep.key: key}).exists()


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_a_bad_token_is_unauthenticated(reference, endpoint):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert_error(client.get(ENDPOINTS[endpoint].list_url()), 401, "authentication_failed")


# --- superuser writes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_superuser_creates_updates_and_deletes_with_audit(reference, client_for, endpoint):
    ep = ENDPOINTS[endpoint]
    client = client_for("superuser")
    key = ep.create[ep.key]

    created = client.post(ep.list_url(), ep.create, format="json")
    assert created.status_code == 201, created.content
    assert created.json()[ep.key] == key
    obj = ep.model.objects.get(**{ep.key: key})

    fetched = client.get(ep.detail_url(key))
    assert fetched.status_code == 200
    assert fetched.json()[ep.key] == key

    updated = client.patch(ep.detail_url(key), ep.update, format="json")
    assert updated.status_code == 200, updated.content
    for field, value in ep.update.items():
        assert updated.json()[field] == value
        assert client.get(ep.detail_url(key)).json()[field] == value

    deleted = client.delete(ep.detail_url(key))
    assert deleted.status_code == 204, deleted.content
    assert not ep.model.objects.filter(**{ep.key: key}).exists()
    assert client.get(ep.detail_url(key)).status_code == 404

    entries = AuditEntry.objects.filter(action__startswith=f"{ep.audit}.").order_by("at")
    assert [entry.action for entry in entries] == [f"{ep.audit}.create", f"{ep.audit}.update", f"{ep.audit}.delete"]
    assert {entry.target_id for entry in entries} == {str(obj.pk)}
    assert {entry.actor for entry in entries} == {"root"}
    assert [entry.request_id for entry in entries] == [
        created["X-Request-ID"], updated["X-Request-ID"], deleted["X-Request-ID"]]


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_superuser_replaces_with_put(reference, client_for, endpoint):
    ep = ENDPOINTS[endpoint]
    client = client_for("superuser")
    key = ep.create[ep.key]
    assert client.post(ep.list_url(), ep.create, format="json").status_code == 201
    response = client.put(ep.detail_url(key), {**ep.create, **ep.update}, format="json")
    assert response.status_code == 200, response.content
    assert audit_actions(ep.audit) == [f"{ep.audit}.create", f"{ep.audit}.update"]


@pytest.mark.parametrize(("url", "organization"), [
    ("/api/v1/organizations/ZTO/", "ZTO"),
    ("/api/v1/facilities/NJ-HUB-01/", "YTO"),
    ("/api/v1/staff/E1002/", "ZTO"),
    ("/api/v1/vehicles/苏A12345/", "YTO"),
    ("/api/v1/devices/SCN-ZTO-2/", "ZTO"),
])
def test_audit_entries_belong_to_the_company_changed(reference, client_for, url, organization):
    """So the company's supervisor and its province's regulator can read them."""
    endpoint = ENDPOINTS[url.split("/")[3]]
    response = client_for("superuser").patch(quote(url), endpoint.update, format="json")
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.get(action=f"{endpoint.audit}.update")
    assert entry.organization.code == organization


def test_created_objects_appear_in_the_creators_scope_only(reference, client_for):
    client_for("superuser").post("/api/v1/vehicles/", ENDPOINTS["vehicles"].create, format="json")
    assert "沪A54321" in {row["plate"] for row in rows(client_for("supervisor").get("/api/v1/vehicles/"))}
    assert "沪A54321" not in {row["plate"] for row in rows(client_for("other_supervisor").get("/api/v1/vehicles/"))}


@pytest.mark.parametrize(("url", "model", "lookup"), [
    ("/api/v1/organizations/ZTO/", Organization, {"code": "ZTO"}),  # has facilities, staff, accounts
    ("/api/v1/facilities/SH-PD-01/", Facility, {"code": "SH-PD-01"}),  # has staff and accounts
    ("/api/v1/staff/E1001/", Staff, {"employee_no": "E1001"}),  # has an account
])
def test_deleting_something_still_referenced_is_a_conflict(reference, client_for, url, model, lookup):
    response = client_for("superuser").delete(url)
    assert_error(response, 409, "protected")
    assert model.objects.filter(**lookup).exists()
    assert not AuditEntry.objects.filter(action__endswith=".delete").exists()


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_no_audit_entry_no_write(reference, client_for, monkeypatch, endpoint):
    """A write whose audit entry cannot be stored is not kept either."""
    ep = ENDPOINTS[endpoint]

    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("apps.organizations.services.audit_record", broken_audit)
    monkeypatch.setattr("apps.accounts.services.audit_record", broken_audit)
    client = client_for("superuser")
    with pytest.raises(RuntimeError):
        client.post(ep.list_url(), ep.create, format="json")
    assert not ep.model.objects.filter(**{ep.key: ep.create[ep.key]}).exists()

    key = some_visible_key("supervisor", endpoint)
    with pytest.raises(RuntimeError):
        client.patch(ep.detail_url(key), ep.update, format="json")
    obj = ep.model.objects.get(**{ep.key: key})
    assert all(getattr(obj, field) != value for field, value in ep.update.items())


# --- bad input ---------------------------------------------------------------------------------------------------

BAD_RESIDENT_ID = NEW_STAFF_ID[:17] + ("0" if NEW_STAFF_ID[17] != "0" else "1")  # wrong check digit


@pytest.mark.parametrize(("endpoint", "change", "code", "attr"), [
    ("staff", {"id_number": BAD_RESIDENT_ID}, "invalid_id_number", "id_number"),
    ("staff", {"id_number": "310115" + "20991301" + "1234"}, "invalid_id_number", "id_number"),
    ("staff", {"id_number": "12345"}, "invalid_id_number", "id_number"),
    ("staff", {"phone": "12345"}, "invalid_phone", "phone"),
    ("staff", {"phone": "1390000000a"}, "invalid_phone", "phone"),
    ("staff", {"name": None}, "required", "name"),
    ("staff", {"id_number": None}, "required", "id_number"),
    ("staff", {"phone": None}, "required", "phone"),
    ("staff", {"organization": None}, "required", "organization"),
    ("staff", {"id_type": "DRIVING_LICENCE"}, "invalid_choice", "id_type"),
    ("staff", {"status": "RETIRED"}, "invalid_choice", "status"),
    ("staff", {"facility": "NJ-XW-01"}, "facility_mismatch", "facility"),
    ("staff", {"employee_no": "E1001"}, "unique", "employee_no"),
    ("staff", {"organization": "NOPE"}, "does_not_exist", "organization"),
    ("staff", {"facility": "NOPE-01"}, "does_not_exist", "facility"),
    ("vehicles", {"plate": "沪I12345"}, "invalid_plate", "plate"),
    ("vehicles", {"plate": "ABC-123"}, "invalid_plate", "plate"),
    ("vehicles", {"plate": "沪A12345"}, "unique", "plate"),
    ("vehicles", {"plate": "沪a 12345"}, "unique", "plate"),  # the same plate, typed differently
    ("vehicles", {"organization": "NOPE"}, "does_not_exist", "organization"),
    ("vehicles", {"kind": "BICYCLE"}, "invalid_choice", "kind"),
    ("organizations", {"code": "ZTO"}, "unique", "code"),
    ("organizations", {"province": "440000"}, "invalid_choice", "province"),
    ("organizations", {"name": None}, "required", "name"),
    ("facilities", {"code": "SH-PD-01"}, "unique", "code"),
    ("facilities", {"organization": "NOPE"}, "does_not_exist", "organization"),
    ("facilities", {"kind": "WAREHOUSE"}, "invalid_choice", "kind"),
    ("facilities", {"region_code": None}, "required", "region_code"),
    ("devices", {"serial": "SCN-ZTO-1"}, "unique", "serial"),
    ("devices", {"facility": "NJ-HUB-01"}, "facility_mismatch", "facility"),
    ("devices", {"organization": "NOPE"}, "does_not_exist", "organization"),
    ("devices", {"serial": "SCN/ZTO 9"}, "invalid", "serial"),  # could never be addressed in a URL
])
def test_bad_input_is_rejected_with_its_code(reference, client_for, endpoint, change, code, attr):
    ep = ENDPOINTS[endpoint]
    payload = {field: value for field, value in {**ep.create, **change}.items() if value is not None}
    before = ep.model.objects.count()
    response = client_for("superuser").post(ep.list_url(), payload, format="json")
    assert_error(response, 400, code, attr)
    assert ep.model.objects.count() == before
    assert audit_actions(ep.audit) == []


@pytest.mark.parametrize(("change", "code", "attr"), [
    ({"facility": "NJ-XW-01"}, "facility_mismatch", "facility"),
    ({"organization": "YTO"}, "facility_mismatch", "facility"),  # keeps its ZTO outlet
    ({"id_number": BAD_RESIDENT_ID}, "invalid_id_number", "id_number"),
    ({"id_type": "HK_MACAO_PERMIT"}, "invalid_id_number", "id_number"),  # the stored number is no HK permit
    ({"phone": "+86 1"}, "invalid_phone", "phone"),
])
def test_bad_staff_update_is_rejected_and_changes_nothing(reference, client_for, change, code, attr):
    client = client_for("superuser")
    before = client.get("/api/v1/staff/E1001/").json()
    assert_error(client.patch("/api/v1/staff/E1001/", change, format="json"), 400, code, attr)
    assert client.get("/api/v1/staff/E1001/").json() == before


def test_moving_a_device_to_another_company_needs_its_facility_too(reference, client_for):
    client = client_for("superuser")
    assert_error(client.patch("/api/v1/devices/SCN-ZTO-1/", {"organization": "YTO"}, format="json"),
                 400, "facility_mismatch", "facility")
    moved = client.patch("/api/v1/devices/SCN-ZTO-1/", {"organization": "YTO", "facility": "NJ-HUB-01"},
                         format="json")
    assert moved.status_code == 200, moved.content
    assert "SCN-ZTO-1" in {row["serial"] for row in rows(client_for("other_supervisor").get("/api/v1/devices/"))}


def test_bad_vehicle_plate_on_update(reference, client_for):
    response = client_for("superuser").patch("/api/v1/vehicles/沪A12345/", {"plate": "苏A12345"}, format="json")
    assert_error(response, 400, "unique", "plate")


def test_vehicle_plate_is_stored_normalised(reference, client_for):
    client = client_for("superuser")
    response = client.post("/api/v1/vehicles/", {"plate": "沪b·9876 5", "organization": "ZTO"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["plate"] == "沪B98765"
    assert client.get(ENDPOINTS["vehicles"].detail_url("沪B98765")).status_code == 200


def test_missing_fields_are_all_reported(reference, client_for):
    response = client_for("superuser").post("/api/v1/staff/", {}, format="json")
    body = assert_error(response, 400, "required", "employee_no")
    reported = {error["attr"] for error in body["errors"] if error["code"] == "required"}
    assert reported == {"employee_no", "organization", "name", "id_type", "id_number", "phone"}


# --- staff personal data -------------------------------------------------------------------------------------


STAFF_NAME = "测试员王五"
STAFF_PHONE_E164 = "+8613900000009"
STAFF_PHONE_NATIONAL = "13900000009"


def test_staff_personal_data_is_only_shown_masked(reference, client_for):
    ep = ENDPOINTS["staff"]
    client = client_for("superuser")
    secrets = (STAFF_NAME, NEW_STAFF_ID, NEW_STAFF_ID[:17], STAFF_PHONE_E164, STAFF_PHONE_NATIONAL)

    created = client.post(ep.list_url(), ep.create, format="json")
    assert created.status_code == 201, created.content
    masked = {"name": "测****", "id_number": NEW_STAFF_ID[:3] + "*" * 11 + NEW_STAFF_ID[-4:], "phone": "139****0009"}
    responses = [
        created,
        client.get(ep.detail_url("E1009")),
        client.get(ep.list_url()),
        client.get(ep.list_url() + "?facility=SH-PD-01"),
        client.patch(ep.detail_url("E1009"), {"status": "SUSPENDED"}, format="json"),
        client_for("supervisor").get(ep.detail_url("E1009")),
        client_for("regulator").get(ep.list_url()),
        client_for("outlet_staff").get(ep.list_url()),
    ]
    for response in responses:
        assert response.status_code == (201 if response is created else 200), response.content
        assert_no_plaintext(response, *secrets)
    for response in (responses[0], responses[1], responses[4], responses[5]):
        body = response.json()
        assert {field: body[field] for field in masked} == masked
    listed = {row["employee_no"]: row for row in responses[2].json()["results"]}
    assert {field: listed["E1009"][field] for field in masked} == masked

    stored = Staff.objects.get(employee_no="E1009")
    assert (stored.name, stored.id_number, stored.phone) == (STAFF_NAME, NEW_STAFF_ID, STAFF_PHONE_E164)


def test_staff_updates_of_personal_data_stay_masked(reference, client_for):
    client = client_for("superuser")
    new_id = make_resident_id("320102", datetime.date(1985, 2, 28), 77)
    response = client.patch("/api/v1/staff/E1001/", {"name": "测试员赵六", "id_number": new_id.lower(),
                                                    "phone": "139 0000 0077"}, format="json")
    assert response.status_code == 200, response.content
    assert_no_plaintext(response, "测试员赵六", new_id, new_id[:17], "+8613900000077", "13900000077")
    assert response.json()["name"] == "测****"
    assert response.json()["id_number"] == new_id[:3] + "*" * 11 + new_id[-4:]
    assert response.json()["phone"] == "139****0077"
    staff = Staff.objects.get(employee_no="E1001")
    assert (staff.name, staff.id_number, staff.phone) == ("测试员赵六", new_id, "+8613900000077")


def test_world_staff_are_listed_masked(reference, client_for):
    response = client_for("superuser").get("/api/v1/staff/")
    assert_no_plaintext(response, *staff_plaintexts(*Staff.objects.all()))


@pytest.mark.parametrize("change", [
    {"id_number": BAD_RESIDENT_ID},
    {"employee_no": "E1001"},
    {"facility": "NJ-XW-01"},
    {"phone": "+86139000000091"},
])
def test_rejected_staff_input_is_not_echoed(reference, client_for, change):
    payload = {**ENDPOINTS["staff"].create, **change}
    response = client_for("superuser").post("/api/v1/staff/", payload, format="json")
    assert response.status_code == 400
    assert_no_plaintext(response, STAFF_NAME, payload["id_number"], payload["id_number"][:17], payload["phone"],
                        payload["phone"].removeprefix("+86"))


def test_staff_audit_entries_hold_no_personal_data(reference, client_for):
    client = client_for("superuser")
    client.post("/api/v1/staff/", ENDPOINTS["staff"].create, format="json")
    client.patch("/api/v1/staff/E1009/", {"phone": "13900000010"}, format="json")
    entries = AuditEntry.objects.filter(action__startswith="staff.")
    assert entries.count() == 2
    dumped = json.dumps([[e.actor, e.target_id, e.target_repr, e.reason, e.data] for e in entries], ensure_ascii=False)
    for secret in (STAFF_NAME, NEW_STAFF_ID, NEW_STAFF_ID[:17], STAFF_PHONE_NATIONAL, "13900000010"):
        assert secret not in dumped
