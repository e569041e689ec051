"""Signing in for a token, and scanner devices' API keys: issued once, usable, rotated and revoked."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts.models import Device, DeviceAPIKey
from apps.audit.models import AuditEntry
from tests.factories import PASSWORD
from tests.helpers import assert_error

TOKEN_URL = "/api/v1/auth/token/"


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


# --- tokens -------------------------------------------------------------------------------------------------


def test_good_credentials_give_a_token_that_works(world):
    response = APIClient().post(TOKEN_URL, {"username": "zto_supervisor", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token", "expires_at"}
    token = response.json()["token"]
    assert AuthToken.objects.get(token_key=token[:15]).user == world.users["supervisor"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get("/api/v1/organizations/")
    assert listed.status_code == 200
    assert [row["code"] for row in listed.json()["results"]] == ["ZTO"]


def test_each_sign_in_gets_its_own_token(world):
    """Tokens are per sign-in (issue 12): signing in again does not hand out the token of another session."""
    payload = {"username": "zto_supervisor", "password": PASSWORD}
    first = APIClient().post(TOKEN_URL, payload, format="json").json()["token"]
    second = APIClient().post(TOKEN_URL, payload, format="json").json()["token"]
    assert first != second
    for token in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/organizations/").status_code == 200


def test_issuing_a_token_is_audited(world):
    response = APIClient().post(TOKEN_URL, {"username": "sh_regulator", "password": PASSWORD}, format="json",
                                HTTP_X_REQUEST_ID="req-token-0001")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="auth.token")
    assert entry.actor == "sh_regulator"
    assert entry.actor_user == world.users["regulator"]
    assert entry.request_id == "req-token-0001"
    assert PASSWORD not in str(entry.data) and response.json()["token"] not in str(entry.data)


@pytest.mark.parametrize("payload", [
    {"username": "zto_supervisor", "password": "wrong-password-123"},
    {"username": "nobody_here", "password": PASSWORD},
    {"username": "ZTO_SUPERVISOR", "password": PASSWORD},
])
def test_bad_credentials_are_a_validation_error(world, payload):
    response = APIClient().post(TOKEN_URL, payload, format="json")
    body = assert_error(response, 400, "authorization", "non_field_errors")
    assert len(body["errors"]) == 1
    assert not AuditEntry.objects.filter(action="auth.token").exists()
    # An unknown name may be a password typed into the wrong box: only existing accounts are named.
    named = payload["username"] if payload["username"] == "zto_supervisor" else "(unknown account)"
    assert AuditEntry.objects.filter(action="auth.login_failed", target_id=named).exists()
    assert not AuditEntry.objects.filter(target_id__in=["nobody_here", "ZTO_SUPERVISOR"]).exists()


def test_a_wrong_password_and_an_unknown_user_answer_alike(world):
    wrong = APIClient().post(TOKEN_URL, {"username": "zto_supervisor", "password": "not-it-at-all"}, format="json")
    unknown = APIClient().post(TOKEN_URL, {"username": "ghost", "password": "not-it-at-all"}, format="json")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize(("payload", "attr"), [
    ({"password": PASSWORD}, "username"),
    ({"username": "zto_supervisor"}, "password"),
])
def test_missing_credentials_are_required(world, payload, attr):
    assert_error(APIClient().post(TOKEN_URL, payload, format="json"), 400, "required", attr)


def test_an_inactive_account_gets_no_token_and_its_token_stops_working(world, client_for):
    client = client_for("supervisor")
    user = world.users["supervisor"]
    user.is_active = False
    user.save()
    assert_error(APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"),
                 400, "authorization", "non_field_errors")
    assert_error(client.get("/api/v1/organizations/"), 401, "authentication_failed")


def test_the_token_endpoint_ignores_stale_credentials(world):
    """A client holding a revoked token can still sign in again."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = client.post(TOKEN_URL, {"username": "zto_outlet", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content


def test_the_token_endpoint_only_accepts_post(world):
    assert_error(APIClient().get(TOKEN_URL), 405, "method_not_allowed")


@pytest.mark.parametrize("header", [
    "Token 0123456789abcdef0123456789abcdef01234567",
    "Token",
    "Token a b",
])
def test_bad_tokens_are_unauthenticated(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get("/api/v1/staff/"), 401, "authentication_failed")


# --- device API keys -----------------------------------------------------------------------------------------

NEW_DEVICE = {"serial": "SCN-ZTO-7", "organization": "ZTO", "facility": "SH-HUB-01", "description": "分拣线扫描枪"}


@pytest.fixture
def new_device(world, client_for):
    """A device registered through the API by the superuser: (serial, key from the creation response)."""
    response = client_for("superuser").post("/api/v1/devices/", NEW_DEVICE, format="json")
    assert response.status_code == 201, response.content
    return NEW_DEVICE["serial"], response.json()["api_key"]


def test_creating_a_device_returns_its_key_once(world, client_for, new_device):
    serial, key = new_device
    assert isinstance(key, str) and len(key) > 20
    client = client_for("superuser")
    assert client.get(f"/api/v1/devices/{serial}/").json()["api_key"] is None
    assert all(row["api_key"] is None for row in client.get("/api/v1/devices/").json()["results"])
    patched = client.patch(f"/api/v1/devices/{serial}/", {"description": "新描述"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["api_key"] is None


def test_the_key_is_stored_only_hashed(world, new_device):
    serial, key = new_device
    stored = DeviceAPIKey.objects.get(device__serial=serial)
    assert key not in (stored.id, stored.hashed_key, stored.name)
    assert not any(key in str(entry.data) or key in entry.target_repr for entry in AuditEntry.objects.all())


def test_creating_a_device_is_audited(world, new_device):
    entry = AuditEntry.objects.get(action="device.create")
    assert entry.actor == "root"
    assert entry.target_id == str(Device.objects.get(serial=new_device[0]).pk)


def test_the_key_authenticates_the_device(world, new_device):
    """The device is known (403, not 401) but may read nothing."""
    _, key = new_device
    client = key_client(key)
    for url in ("/api/v1/staff/", "/api/v1/organizations/", "/api/v1/devices/SCN-ZTO-7/"):
        assert_error(client.get(url), 403, "permission_denied")


def test_rotating_issues_a_new_key_and_revokes_the_old(world, client_for, new_device):
    serial, old_key = new_device
    response = client_for("superuser").post(f"/api/v1/devices/{serial}/rotate-key/")
    assert response.status_code == 200, response.content
    new_key = response.json()["api_key"]
    assert new_key and new_key != old_key
    assert response.json()["serial"] == serial

    assert_error(key_client(old_key).get("/api/v1/staff/"), 401, "authentication_failed")
    assert_error(key_client(new_key).get("/api/v1/staff/"), 403, "permission_denied")
    assert client_for("superuser").get(f"/api/v1/devices/{serial}/").json()["api_key"] is None

    entry = AuditEntry.objects.get(action="device.key_rotate")
    assert entry.actor == "root"
    assert entry.request_id == response["X-Request-ID"]
    assert new_key not in str(entry.data)


def test_a_serial_with_dots_can_be_addressed(world, client_for):
    client = client_for("superuser")
    created = client.post("/api/v1/devices/", {"serial": "HW.ZTO.0042", "organization": "ZTO"}, format="json")
    assert created.status_code == 201, created.content
    assert client.get("/api/v1/devices/HW.ZTO.0042/").json()["serial"] == "HW.ZTO.0042"
    rotated = client.post("/api/v1/devices/HW.ZTO.0042/rotate-key/")
    assert rotated.status_code == 200, rotated.content
    assert_error(key_client(created.json()["api_key"]).get("/api/v1/staff/"), 401, "authentication_failed")
    assert client.delete("/api/v1/devices/HW.ZTO.0042/").status_code == 204


@pytest.mark.parametrize("length", [63, 64])
def test_the_longest_serials_can_be_registered_and_rotated(world, client_for, length):
    """Issue 12: a 63-character serial's rotate-key was a 500 (its key's name held 50 characters)."""
    client = client_for("superuser")
    serial = ("SCN-" + "7" * 70)[:length]
    assert_error(client.post(f"/api/v1/devices/{serial}/rotate-key/"), 404, "not_found")
    created = client.post("/api/v1/devices/", {"serial": serial, "organization": "ZTO"}, format="json")
    assert created.status_code == 201, created.content
    rotated = client.post(f"/api/v1/devices/{serial}/rotate-key/")
    assert rotated.status_code == 200, rotated.content
    assert key_client(rotated.json()["api_key"]).get("/api/v1/staff/").status_code == 403  # known, reads nothing
    assert set(DeviceAPIKey.objects.filter(device__serial=serial).values_list("name", flat=True)) == {serial}
    too_long = client.post("/api/v1/devices/", {"serial": serial + "9" * (65 - length), "organization": "ZTO"},
                           format="json")
    assert_error(too_long, 400, "max_length", "serial")


def test_a_rotation_that_cannot_be_audited_does_not_happen(world, client_for, new_device, monkeypatch):
    serial, key = new_device

    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("apps.accounts.services.audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        client_for("superuser").post(f"/api/v1/devices/{serial}/rotate-key/")
    assert key_client(key).get("/api/v1/staff/").status_code == 403  # the old key still works
    assert DeviceAPIKey.objects.filter(device__serial=serial).count() == 1


def test_rotating_twice_leaves_only_the_last_key(world, client_for, new_device):
    serial, first = new_device
    client = client_for("superuser")
    second = client.post(f"/api/v1/devices/{serial}/rotate-key/").json()["api_key"]
    third = client.post(f"/api/v1/devices/{serial}/rotate-key/").json()["api_key"]
    assert len({first, second, third}) == 3
    for key in (first, second):
        assert_error(key_client(key).get("/api/v1/staff/"), 401, "authentication_failed")
    assert key_client(third).get("/api/v1/staff/").status_code == 403


def test_rotating_one_device_leaves_others_alone(world, client_for, new_device):
    client_for("superuser").post(f"/api/v1/devices/{new_device[0]}/rotate-key/")
    assert client_for("device").get("/api/v1/staff/").status_code == 403
    assert client_for("other_device").get("/api/v1/staff/").status_code == 403


@pytest.mark.parametrize("kind", ["supervisor", "regulator", "screener", "outlet_staff", "device"])
def test_only_superusers_rotate_keys(world, client_for, new_device, kind):
    serial, key = new_device
    assert_error(client_for(kind).post(f"/api/v1/devices/{serial}/rotate-key/"), 403, "permission_denied")
    assert key_client(key).get("/api/v1/staff/").status_code == 403  # still valid
    assert not AuditEntry.objects.filter(action="device.key_rotate").exists()


def test_rotating_needs_credentials(world, client_for, new_device):
    assert_error(client_for("anonymous").post(f"/api/v1/devices/{new_device[0]}/rotate-key/"), 401,
                 "not_authenticated")


def test_rotating_an_unknown_device_is_not_found(world, client_for):
    assert_error(client_for("superuser").post("/api/v1/devices/NOPE-1/rotate-key/"), 404, "not_found")


def test_a_deactivated_device_is_unauthenticated(world, client_for, new_device):
    serial, key = new_device
    response = client_for("superuser").patch(f"/api/v1/devices/{serial}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert_error(key_client(key).get("/api/v1/staff/"), 401, "authentication_failed")
    client_for("superuser").patch(f"/api/v1/devices/{serial}/", {"is_active": True}, format="json")
    assert key_client(key).get("/api/v1/staff/").status_code == 403


def test_a_revoked_key_is_unauthenticated(world, client_for):
    DeviceAPIKey.objects.filter(device=world.zto_device).update(revoked=True)
    assert_error(client_for("device").get("/api/v1/staff/"), 401, "authentication_failed")


def test_an_expired_key_is_unauthenticated(world, client_for):
    DeviceAPIKey.objects.filter(device=world.zto_device).update(
        expiry_date=timezone.now() - datetime.timedelta(minutes=1))
    assert_error(client_for("device").get("/api/v1/staff/"), 401, "authentication_failed")


def test_a_deleted_device_is_unauthenticated(world, client_for, new_device):
    serial, key = new_device
    assert client_for("superuser").delete(f"/api/v1/devices/{serial}/").status_code == 204
    assert_error(key_client(key).get("/api/v1/staff/"), 401, "authentication_failed")


@pytest.mark.parametrize("header", [
    "Api-Key not-a-key",
    "Api-Key",
    "Api-Key one two",
])
def test_malformed_api_keys_are_unauthenticated(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get("/api/v1/staff/"), 401, "authentication_failed")


def test_another_devices_key_prefix_with_a_wrong_secret_fails(world):
    prefix = world.zto_device.plain_api_key.partition(".")[0]
    assert_error(key_client(f"{prefix}.forged-secret-value").get("/api/v1/staff/"), 401, "authentication_failed")
