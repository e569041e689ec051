"""The published OpenAPI document, the Swagger UI, the health probes and request ids."""
from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.audit.models import AuditEntry

REFERENCE_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/organizations/",
    "/api/v1/organizations/{code}/",
    "/api/v1/facilities/",
    "/api/v1/facilities/{code}/",
    "/api/v1/staff/",
    "/api/v1/staff/{employee_no}/",
    "/api/v1/vehicles/",
    "/api/v1/vehicles/{plate}/",
    "/api/v1/devices/",
    "/api/v1/devices/{serial}/",
    "/api/v1/devices/{serial}/rotate-key/",
]


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content
    return response.json()


def test_schema_is_served_to_anyone_as_openapi_3(db):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "greenshield API"


def test_schema_lists_the_reference_endpoints(schema):
    missing = [path for path in REFERENCE_PATHS if path not in schema["paths"]]
    assert missing == []
    assert set(schema["paths"]["/api/v1/staff/"]) >= {"get", "post"}
    assert set(schema["paths"]["/api/v1/staff/{employee_no}/"]) >= {"get", "put", "patch", "delete"}
    assert set(schema["paths"]["/api/v1/auth/token/"]) == {"post"}


def test_schema_describes_both_ways_to_authenticate(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["DeviceApiKey"]["type"] == "apiKey"
    assert schemes["DeviceApiKey"]["name"] == "Authorization"
    assert "tokenAuth" in schemes
    assert "security" not in schema  # no global requirement, so an operation without one is open
    assert "security" not in schema["paths"]["/api/v1/auth/token/"]["post"]  # signing in needs no credentials
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/staff/"]["get"]["security"]


def test_schema_shows_staff_personal_data_as_write_only_input(schema):
    """The staff body takes name, ID number and phone in clear; responses carry only the masked forms."""
    components = schema["components"]["schemas"]
    staff = components["Staff"]
    assert {"employee_no", "organization", "id_type", "status"} <= set(staff["properties"])
    request = components.get("StaffRequest", staff)
    assert {"name", "id_number", "phone"} <= set(request["properties"])


def test_schema_documents_the_error_shape(schema):
    responses = schema["paths"]["/api/v1/staff/"]["post"]["responses"]
    assert {"201", "400", "401", "403"} <= set(responses)


def test_schema_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/staff/" in yaml.safe_load(target.read_text())["paths"]


def test_swagger_ui_is_served(db):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_healthz(db):
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(db):
    response = APIClient().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert "broker" in body["checks"]


def test_readyz_reports_a_database_outage(db, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database down")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = APIClient().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")
    assert "database down" not in response.content.decode()


# --- request ids ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/healthz", "/readyz", "/api/v1/staff/", "/api/v1/schema/", "/api/v1/nope/"])
def test_every_response_carries_a_request_id(db, url):
    response = APIClient().get(url)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_request_ids_differ_between_requests(db):
    client = APIClient()
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["req-0001-abcdef", "7f1c2a9e8b6d4c3fa1b2c3d4e5f60718", "lb.trace_id-42"])
def test_a_valid_incoming_request_id_is_echoed(db, incoming):
    response = APIClient().get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>",
                                      "id\r\nSet-Cookie: a=b"])
def test_an_unsafe_incoming_request_id_is_replaced(db, incoming):
    response = APIClient().get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_errors_carry_the_request_id_too(world, client_for):
    response = client_for("supervisor").get("/api/v1/staff/E2001/", HTTP_X_REQUEST_ID="trace-404-check")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "trace-404-check"


def test_audit_entries_record_the_request_id(world, client_for):
    response = client_for("superuser").patch("/api/v1/organizations/ZTO/", {"name": "中通快递股份"}, format="json",
                                             HTTP_X_REQUEST_ID="change-ticket-1234")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "change-ticket-1234"
    assert AuditEntry.objects.get(action="organization.update").request_id == "change-ticket-1234"
