"""The permission matrix: every endpoint × every role × an object in / out of the role's scope, with the status
the contract and the code promise — wrong role 403, anonymous 401, out of scope 404 (400 with the contract's
``unknown_*`` code where the object is named in the body). The cases are generated from the one table below, and
``test_every_endpoint_is_in_the_matrix`` walks Django's URL resolver so a new endpoint cannot be left out."""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from apps.accounts.models import Device
from apps.organizations.models import Facility, Organization, Staff, Vehicle
from tests.factories import synthetic_resident_id
from tests.helpers import acceptance_body, screening_body
from tests.matrix_world import IN, OUT, MatrixWorld

ROLES = ("superuser", "outlet_staff", "screener", "supervisor", "regulator", "regional_regulator", "device",
         "anonymous")
API = "/api/v1/"


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # URL template; {names} are the URL pattern's keyword arguments
    inside: tuple[int, ...]  # expected status per ROLES: the object in the role's scope (or no object at all)
    outside: tuple[int, ...] | None = None  # ... an object out of the role's scope; None: nothing is addressed
    target: str | None = None  # what MatrixWorld.path_kwargs (or the body) addresses
    body: Callable | None = None  # (matrix, role, scope, kwargs) -> request body
    verify: Callable | None = None  # (response, role, scope) -> extra assertions on a 2xx answer
    variant: str = ""  # a second row for the same endpoint (another body that changes the answer)


# Bodies: valid, so that a status reflects permission and scope, not validation. ------------------------------

def token_body(m, role, scope, kwargs):
    return m.credentials(role)  # devices and anonymous callers sign in with the supervisor's credentials


def organization_body(m, role, scope, kwargs):
    code = kwargs.get("code", "NEWCO")
    current = Organization.objects.filter(code=code).first()
    return {"code": code, "name": "新快递", "license_no": "LIC-MATRIX-1",
            "province": current.province if current else "330000"}


def facility_body(m, role, scope, kwargs):
    current = Facility.objects.filter(code=kwargs.get("code")).select_related("organization").first()
    organization = current.organization.code if current else "ZTO"
    return {"code": kwargs.get("code", "SH-NEW-01"), "name": "新网点", "kind": current.kind if current else "OUTLET",
            "organization": organization, "region_code": current.region_code if current else "310115",
            "address": "世纪大道200号"}


def staff_body(m, role, scope, kwargs):
    current = Staff.objects.filter(employee_no=kwargs.get("employee_no")).select_related(
        "organization", "facility").first()
    return {"employee_no": kwargs.get("employee_no", "E9001"),
            "organization": current.organization.code if current else "ZTO",
            "facility": current.facility.code if current else "SH-PD-01",
            "name": "王五", "id_type": "RESIDENT_ID", "id_number": synthetic_resident_id(777),
            "phone": "13700137000", "status": "ACTIVE"}


def vehicle_body(m, role, scope, kwargs):
    current = Vehicle.objects.filter(plate=kwargs.get("plate")).select_related("organization").first()
    return {"plate": kwargs.get("plate", "沪C00001"), "organization": current.organization.code if current else "ZTO",
            "kind": "VAN"}


def device_body(m, role, scope, kwargs):
    current = Device.objects.filter(serial=kwargs.get("serial")).select_related("organization", "facility").first()
    return {"serial": kwargs.get("serial", "SCN-NEW-1"), "organization": current.organization.code if current else "ZTO",
            "facility": current.facility.code if current else "SH-HUB-01", "description": "matrix", "is_active": True}


def patch(field, value):
    return lambda m, role, scope, kwargs: {field: value}


def acceptance(m, role, scope, kwargs):
    return acceptance_body()


def blacklist_staff(m, role, scope, kwargs):
    return {"subject": "STAFF", "employee_no": "E1001" if scope == IN else "E2001", "reason": "matrix probe"}


def reason(m, role, scope, kwargs):
    return {"reason": "matrix probe: checking who may do this"}


def note(m, role, scope, kwargs):
    return {"note": "matrix probe"}


def screening(m, role, scope, kwargs):
    if scope == IN:
        return screening_body(m.zto_parcel.waybill_no)
    return screening_body(m.yto_parcel.waybill_no, facility="NJ-HUB-01", operator=m.yto_hub_operator.employee_no)


def resolution(m, role, scope, kwargs):
    return {"result": "CLEARED", "notes": "开箱复检：无异常"}


def scan(m, role, scope, kwargs):
    return {"events": [{"event_id": str(uuid.uuid4()), "waybill_no": m.parcel(scope).waybill_no, "type": "ARRIVED",
                        "occurred_at": timezone.now().isoformat(), "facility": "SH-HUB-01"}]}


def oversized_batch(m, role, scope, kwargs):
    event = scan(m, role, scope, kwargs)["events"][0]
    return {"events": [{**event, "event_id": str(uuid.uuid4())} for _ in range(1001)]}


def epcis_capture(m, role, scope, kwargs):
    from apps.epcis import vocabulary

    return {"@context": vocabulary.context(), "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": timezone.now().isoformat(), "epcisBody": {"eventList": [{
                "type": "ObjectEvent", "eventTime": timezone.now().isoformat(), "eventTimeZoneOffset": "+00:00",
                "epcList": [vocabulary.parcel_uri(m.parcel(scope).waybill_no)], "action": "OBSERVE",
                "bizStep": "arriving", "readPoint": {"id": vocabulary.facility_uri("SH-HUB-01")}}]}}


def capture_outcome(response, role, scope):
    """A capture naming another company's parcel ends like an unknown waybill: nothing leaks."""
    from apps.epcis.capture import capture_run

    result = capture_run(job_id=response.json()["captureID"]).results[0]
    if scope == IN:
        assert result["status"] == "ACCEPTED", result
    else:
        assert (result["status"], result["errors"][0]["code"]) == ("REJECTED", "unknown_parcel"), result


def subscription_body(m, role, scope, kwargs):
    return {"dest": "https://agency.example/hook", "query": {"EQ_bizStep": "departing"}}


def sender_search(m, role, scope, kwargs):
    return {"id_type": "RESIDENT_ID", "id_number": synthetic_resident_id(1), "reason": "matrix probe"}


def scan_outcome(response, role, scope):
    """A device's scan of another company's parcel is answered like an unknown waybill: nothing leaks."""
    result = response.json()["results"][0]
    if scope == IN:
        assert result["status"] == "ACCEPTED", result
    else:
        assert (result["status"], result["errors"][0]["code"]) == ("REJECTED", "unknown_parcel"), result


def reference(collection: str, key: str, target: str, body: Callable, patch_body: Callable) -> list[Row]:
    """The rows of a reference-data collection but DELETE: anyone with a role reads in scope; only superusers write."""
    item = f"{API}{collection}/{{{key}}}/"
    write = (200, 403, 403, 403, 403, 403, 403, 401)
    return [
        Row("GET", f"{API}{collection}/", (200, 200, 200, 200, 200, 200, 403, 401)),
        Row("POST", f"{API}{collection}/", (201, 403, 403, 403, 403, 403, 403, 401), body=body),
        Row("GET", item, (200, 200, 200, 200, 200, 200, 403, 401), (200, 404, 404, 404, 404, 200, 403, 401), target),
        Row("PUT", item, write, write, target, body),
        Row("PATCH", item, write, write, target, patch_body),
    ]


def deletion(collection: str, key: str, target: str, status: int) -> Row:
    expected = (status, 403, 403, 403, 403, 403, 403, 401)
    return Row("DELETE", f"{API}{collection}/{{{key}}}/", expected, expected, target)


# The matrix. Columns: superuser, outlet_staff, screener, supervisor, regulator, regional_regulator, device,
# anonymous. ---------------------------------------------------------------------------------------------------
MATRIX: list[Row] = [
    Row("POST", f"{API}auth/token/", (200, 200, 200, 200, 200, 200, 200, 200), body=token_body),
    # Signing out revokes the token presented; a device has none (its key is revoked by rotation).
    Row("POST", f"{API}auth/logout/", (204, 204, 204, 204, 204, 204, 403, 401)),

    *reference("organizations", "code", "organization", organization_body, patch("name", "中通快递股份")),
    # A company that still has facilities, staff, devices cannot be deleted: 409 ``protected``.
    deletion("organizations", "code", "organization", 409),
    *reference("facilities", "code", "facility", facility_body, patch("name", "浦东网点")),
    deletion("facilities", "code", "fresh_facility", 204),
    *reference("staff", "employee_no", "staff", staff_body, patch("status", "ACTIVE")),
    deletion("staff", "employee_no", "fresh_staff", 204),
    *reference("vehicles", "plate", "vehicle", vehicle_body, patch("kind", "VAN")),
    deletion("vehicles", "plate", "fresh_vehicle", 204),
    *reference("devices", "serial", "device", device_body, patch("description", "dock 3")),
    deletion("devices", "serial", "fresh_device", 204),
    Row("POST", f"{API}devices/{{serial}}/rotate-key/", (200, 403, 403, 403, 403, 403, 403, 401),
        (200, 403, 403, 403, 403, 403, 403, 401), "device"),

    # Superusers pass the role check but are no outlet's staff: 403 ``staff_not_linked``.
    Row("POST", f"{API}acceptances/", (403, 201, 403, 403, 403, 403, 403, 401), body=acceptance),
    Row("GET", f"{API}prohibited-categories/", (200, 200, 200, 200, 200, 200, 403, 401)),

    Row("GET", f"{API}blacklist/", (200, 403, 403, 200, 200, 200, 403, 401)),
    # Staff of another company are unknown (400 ``unknown_staff``); superusers are no issuing authority (400).
    Row("POST", f"{API}blacklist/", (400, 403, 403, 201, 201, 403, 403, 401), (400, 403, 403, 400, 400, 403, 403, 401),
        "blacklisted_staff", blacklist_staff),
    Row("POST", f"{API}blacklist/{{pk}}/revoke/", (200, 403, 403, 200, 200, 403, 403, 401),
        (200, 403, 403, 404, 404, 403, 403, 401), "blacklist_entry", reason),

    # Screening at another company's hub: 400 ``unknown_facility`` (other facilities are not revealed).
    Row("POST", f"{API}screenings/", (201, 403, 201, 403, 403, 403, 201, 401), (201, 403, 400, 403, 403, 403, 400, 401),
        "screened_parcel", screening),
    Row("POST", f"{API}screenings/{{pk}}/resolution/", (201, 403, 201, 201, 403, 403, 403, 401),
        (201, 403, 404, 404, 403, 403, 403, 401), "screening", resolution),

    Row("GET", f"{API}alerts/", (200, 200, 200, 200, 200, 200, 403, 401)),
    Row("GET", f"{API}alerts/{{pk}}/", (200, 200, 200, 200, 200, 200, 403, 401), (200, 404, 404, 404, 404, 200, 403, 401),
        "alert"),
    Row("POST", f"{API}alerts/{{pk}}/acknowledge/", (200, 403, 403, 200, 200, 200, 403, 401),
        (200, 403, 403, 404, 404, 200, 403, 401), "alert", note),
    Row("POST", f"{API}alerts/{{pk}}/resolve/", (200, 403, 403, 200, 200, 200, 403, 401),
        (200, 403, 403, 404, 404, 200, 403, 401), "alert", note),

    # Devices only, superusers included out; another company's parcel is a REJECTED scan (see scan_outcome).
    Row("POST", f"{API}events/", (403, 403, 403, 403, 403, 403, 200, 401), (403, 403, 403, 403, 403, 403, 200, 401),
        "scan", scan, verify=scan_outcome),
    # The role check comes before the body is looked at: only a device learns that its batch is too large.
    Row("POST", f"{API}events/", (403, 403, 403, 403, 403, 403, 413, 401), body=oversized_batch, variant="batch_too_large"),

    Row("GET", f"{API}parcels/{{waybill_no}}/trace/", (200, 200, 403, 200, 200, 200, 403, 401),
        (200, 404, 403, 404, 404, 200, 403, 401), "parcel"),
    Row("GET", f"{API}couriers/{{employee_no}}/parcels/", (200, 200, 403, 200, 200, 200, 403, 401),
        (200, 404, 403, 404, 404, 200, 403, 401), "courier"),
    Row("GET", f"{API}vehicles/{{plate}}/parcels/", (200, 200, 403, 200, 200, 200, 403, 401),
        (200, 404, 403, 404, 404, 200, 403, 401), "vehicle"),
    Row("POST", f"{API}senders/search/", (200, 403, 403, 200, 200, 200, 403, 401), body=sender_search),
    Row("POST", f"{API}parcels/{{waybill_no}}/reveal/", (200, 403, 403, 200, 200, 200, 403, 401),
        (200, 403, 403, 404, 404, 200, 403, 401), "parcel", reason),

    # EPCIS: the trace roles read (in scope); devices capture (another company's parcel: REJECTED, see
    # capture_outcome) and read their own company's jobs; regulators and superusers keep subscriptions (their own).
    Row("GET", f"{API}parcels/{{waybill_no}}/epcis/", (200, 200, 403, 200, 200, 200, 403, 401),
        (200, 404, 403, 404, 404, 200, 403, 401), "parcel"),
    Row("GET", f"{API}epcis/events/", (200, 200, 403, 200, 200, 200, 403, 401)),
    Row("POST", f"{API}epcis/capture/", (403, 403, 403, 403, 403, 403, 202, 401), (403, 403, 403, 403, 403, 403, 202, 401),
        "scan", epcis_capture, verify=capture_outcome),
    Row("GET", f"{API}epcis/capture/{{capture_id}}/", (403, 403, 403, 403, 403, 403, 200, 401),
        (403, 403, 403, 403, 403, 403, 404, 401), "capture_job"),
    Row("GET", f"{API}epcis/subscriptions/", (200, 403, 403, 403, 200, 403, 403, 401)),
    Row("POST", f"{API}epcis/subscriptions/", (201, 403, 403, 403, 201, 403, 403, 401), body=subscription_body),
    Row("GET", f"{API}epcis/subscriptions/{{pk}}/", (200, 403, 403, 403, 200, 403, 403, 401),
        (200, 403, 403, 403, 404, 403, 403, 401), "subscription"),
    Row("DELETE", f"{API}epcis/subscriptions/{{pk}}/", (204, 403, 403, 403, 204, 403, 403, 401),
        (204, 403, 403, 403, 404, 403, 403, 401), "subscription"),
    Row("POST", f"{API}epcis/subscriptions/{{pk}}/resume/", (200, 403, 403, 403, 200, 403, 403, 401),
        (200, 403, 403, 403, 404, 403, 403, 401), "subscription"),

    # Supervision: supervisors and regulators (and operators) read statistics of their scope; nothing is addressed,
    # what is out of scope is simply not counted (tests/apps/supervision/test_api.py).
    Row("GET", f"{API}stats/compliance/", (200, 403, 403, 200, 200, 200, 403, 401)),
    Row("GET", f"{API}stats/indicators/", (200, 403, 403, 200, 200, 200, 403, 401)),
    Row("GET", f"{API}risk/", (200, 403, 403, 200, 200, 200, 403, 401)),

    Row("GET", f"{API}audit-entries/", (200, 403, 403, 200, 200, 200, 403, 401)),
    Row("GET", f"{API}audit-entries/{{pk}}/", (200, 403, 403, 200, 200, 200, 403, 401),
        (200, 403, 403, 404, 404, 200, 403, 401), "audit_entry"),

    # The transparency log: any signed-in account or device (it reveals only sizes and hashes). The proofs are
    # asked for without their parameters: 400, past authentication and permission.
    Row("GET", f"{API}log/checkpoint/", (200,) * 7 + (401,), None, "log"),
    Row("GET", f"{API}log/key/", (200,) * 7 + (401,)),
    Row("GET", f"{API}log/checkpoints/", (200,) * 7 + (401,), None, "log"),
    Row("GET", f"{API}log/proofs/inclusion/", (400,) * 7 + (401,), None, "log"),
    Row("GET", f"{API}log/proofs/consistency/", (400,) * 7 + (401,), None, "log"),

    Row("GET", f"{API}schema/", (200,) * 8),
    Row("GET", f"{API}docs/", (200,) * 8),
    Row("GET", "/healthz", (200,) * 8),
    Row("GET", "/readyz", (200,) * 8),
]


def _cases():
    for row in MATRIX:
        assert len(row.inside) == len(ROLES) and (row.outside is None or len(row.outside) == len(ROLES)), row
        scopes = [(IN, row.inside)] + ([(OUT, row.outside)] if row.outside is not None else [])
        for scope, expected in scopes:
            for role, status in zip(ROLES, expected, strict=True):
                label = f"{row.method} {row.path}{' ' + row.variant if row.variant else ''} {role}" + (
                    f" {scope}" if row.outside is not None else "")
                yield pytest.param(row, role, scope, status, id=label)


@pytest.fixture
def matrix(world):
    return MatrixWorld(world)


@pytest.mark.parametrize(("row", "role", "scope", "expected"), list(_cases()))
def test_permission(row, role, scope, expected, matrix, client_for):
    kwargs = matrix.path_kwargs(row.target, role, scope) if row.target else {}
    url = row.path.format(**{name: kwargs[name] for name in re.findall(r"{(\w+)}", row.path)})
    body = row.body(matrix, role, scope, kwargs) if row.body else None
    client = client_for(role)
    if row.method in ("GET", "DELETE"):
        response = getattr(client, row.method.lower())(url)
    else:
        response = getattr(client, row.method.lower())(url, body, format="json")
    assert response.status_code == expected, (
        f"{row.method} {url} as {role} ({scope} scope): expected {expected}, got {response.status_code}: "
        f"{response.content[:500]!r}")
    if row.verify and 200 <= expected < 300:
        row.verify(response, role, scope)


# Completeness ---------------------------------------------------------------------------------------------------

def _template(pattern) -> str:
    """``parcels/<str:waybill_no>/trace/`` or ``^alerts/(?P<pk>[^/.]+)/$`` → ``parcels/{waybill_no}/trace/``."""
    text = str(pattern.pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text) if not text.startswith("^") else text
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    return text.removeprefix("^").removesuffix("$").replace("\\", "")


def _methods(callback) -> set[str]:
    """The HTTP methods a view answers (besides OPTIONS and HEAD): a viewset's action mapping, an APIView's handlers,
    or GET for a plain Django view."""
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:
        methods = set(actions)
    elif view_class is not None:
        methods = {m for m in view_class.http_method_names if hasattr(view_class, m)}
    else:
        methods = {"get"}
    return {m.upper() for m in methods - {"options", "head"}}


def _endpoints(patterns=None, prefix: str = "/") -> set[tuple[str, str]]:
    found = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        path = prefix + _template(pattern)
        if isinstance(pattern, URLResolver):
            if path.startswith(API) or API.startswith(path):
                found |= _endpoints(pattern.url_patterns, path)
        elif isinstance(pattern, URLPattern) and (path.startswith(API) or path in ("/healthz", "/readyz")):
            found |= {(method, path) for method in _methods(pattern.callback)}
    return found


def test_every_endpoint_is_in_the_matrix():
    endpoints = _endpoints()
    in_matrix = {(row.method, row.path) for row in MATRIX}
    assert len(endpoints) > 40  # the walk found the API
    assert sorted(endpoints - in_matrix) == [], "endpoints missing from MATRIX: add a row for each"
    assert sorted(in_matrix - endpoints) == [], "MATRIX rows for endpoints that do not exist"


# Territory: a company with facilities in two provinces ---------------------------------------------------------

TERRITORY_ROLES = ("regulator", "other_regulator", "regional_regulator", "supervisor", "other_supervisor")


@dataclass(frozen=True)
class Place:
    """What ZTO (registered in Shanghai) has at its Nanjing outlet: regulators see it where it is."""

    parcel: str
    facility: str
    staff: str
    device: str
    alert: str
    audit_entry: str


@pytest.fixture
def nanjing(world):
    from apps.audit.models import AuditEntry
    from apps.compliance.services import alert_raise
    from apps.parcels.models import Parcel
    from greenshield.enums import AlertKind, FacilityKind, Role
    from tests.conftest import token_client
    from tests.factories import DeviceFactory, FacilityFactory, StaffFactory, UserFactory

    outlet = FacilityFactory(code="NJ-ZTO-01", organization=world.zto, kind=FacilityKind.OUTLET, region_code="320106")
    staff = StaffFactory(employee_no="E1101", organization=world.zto, facility=outlet)
    account = UserFactory(username="zto_nj_outlet", role=Role.OUTLET_STAFF, organization=world.zto, facility=outlet,
                          staff=staff)
    device = DeviceFactory(serial="SCN-NJ-ZTO-01", organization=world.zto, facility=outlet)
    response = token_client(account).post(f"{API}acceptances/", acceptance_body(waybill_no="ZTO3201000001"),
                                          format="json")
    assert response.status_code == 201, response.content
    parcel = Parcel.objects.get(waybill_no="ZTO3201000001")
    alert = alert_raise(kind=AlertKind.DISPATCH_WITHOUT_SCREENING, organization=world.zto, facility=outlet,
                        parcel=parcel, summary="matrix probe in Nanjing")
    entry = AuditEntry.objects.get(action="acceptance.record", target_id=str(parcel.acceptance_id))
    return Place(parcel.waybill_no, outlet.code, staff.employee_no, device.serial, str(alert.pk), str(entry.pk))


#: (method, path template, expected per TERRITORY_ROLES). Shanghai's regulator sees the company's registration,
#: not what it does in Jiangsu; Jiangsu's sees what happens on its territory; the Delta sees both.
TERRITORY = [
    ("GET", "parcels/{parcel}/trace/", (404, 200, 200, 200, 404)),
    ("POST", "parcels/{parcel}/reveal/", (404, 200, 200, 200, 404)),
    ("GET", "facilities/{facility}/", (404, 200, 200, 200, 404)),
    ("GET", "staff/{staff}/", (404, 200, 200, 200, 404)),
    ("GET", "devices/{device}/", (404, 200, 200, 200, 404)),
    ("GET", "couriers/{staff}/parcels/", (404, 200, 200, 200, 404)),
    ("GET", "alerts/{alert}/", (404, 200, 200, 200, 404)),
    ("GET", "audit-entries/{audit_entry}/", (404, 200, 200, 200, 404)),
    ("GET", "organizations/ZTO/", (200, 200, 200, 200, 404)),
]


@pytest.mark.parametrize(("method", "path", "role", "expected"), [
    pytest.param(method, path, role, status, id=f"{method} {path} {role}")
    for method, path, statuses in TERRITORY for role, status in zip(TERRITORY_ROLES, statuses, strict=True)])
def test_territorial_jurisdiction(nanjing, client_for, method, path, role, expected):
    url = API + path.format(**nanjing.__dict__)
    client = client_for(role)
    response = client.get(url) if method == "GET" else client.post(
        url, {"reason": "matrix probe: territorial jurisdiction"}, format="json")
    assert response.status_code == expected, (method, url, role, response.content[:300])
