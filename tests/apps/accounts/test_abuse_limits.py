"""Abuse limits: login lockout (per username and client address, admin and API alike), the sign-in throttle,
trusted proxies, per-user and per-device throttling, request body size."""
from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from apps.audit.models import AuditEntry
from apps.common.client_address import client_address
from apps.common.throttling import AccountRateThrottle, DeviceRateThrottle, LoginRateThrottle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password, **headers):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json", **headers)


def test_repeated_failures_lock_the_username_for_api_and_admin(world, settings):
    settings.GREENSHIELD_LOGIN_MAX_FAILURES = 3
    client = APIClient()
    for _ in range(3):
        assert login(client, "zto_supervisor", "wrong-password").status_code == 400
    locked = login(client, "zto_supervisor", PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["errors"][0]["code"] == "account_locked"
    assert AuditEntry.objects.filter(action="auth.locked", target_id="zto_supervisor").count() == 1
    assert AuditEntry.objects.filter(action="auth.login_failed", target_id="zto_supervisor").count() == 3
    admin = Client()
    response = admin.post("/admin/login/?next=/admin/", {"username": "zto_supervisor", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in admin.session
    assert 'name="password"' in response.content.decode()  # the form is shown again, with the lockout message
    assert "Too many failed sign-ins" in response.content.decode()
    # Another username is not affected, and the lock does not reveal whether an account exists.
    assert login(client, "sh_regulator", PASSWORD).status_code == 200
    for _ in range(3):
        login(client, "nobody-at-all", "x")
    assert login(client, "nobody-at-all", "x").json()["errors"][0]["code"] == "account_locked"


def test_a_success_resets_the_failure_count(world, settings):
    settings.GREENSHIELD_LOGIN_MAX_FAILURES = 3
    client = APIClient()
    for _ in range(2):
        login(client, "zto_supervisor", "wrong-password")
    assert login(client, "zto_supervisor", PASSWORD).status_code == 200
    for _ in range(2):
        login(client, "zto_supervisor", "wrong-password")
    assert login(client, "zto_supervisor", PASSWORD).status_code == 200


def test_users_are_throttled_per_account(world, client_for, monkeypatch):
    monkeypatch.setattr(AccountRateThrottle, "THROTTLE_RATES", {**AccountRateThrottle.THROTTLE_RATES, "user": "3/min"})
    supervisor, regulator = client_for("supervisor"), client_for("regulator")
    statuses = [supervisor.get("/api/v1/facilities/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert regulator.get("/api/v1/facilities/").status_code == 200  # per account, not global


def test_devices_are_throttled_per_device(world, client_for, monkeypatch):
    monkeypatch.setattr(DeviceRateThrottle, "THROTTLE_RATES", {**DeviceRateThrottle.THROTTLE_RATES, "device": "2/min"})
    device, other = client_for("device"), client_for("other_device")
    statuses = [device.post("/api/v1/events/", {"events": []}, format="json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert other.post("/api/v1/events/", {"events": []}, format="json").status_code == 200


def test_oversized_bodies_are_refused_before_they_are_read(world, client_for, settings):
    body = b'{"events": [' + b" " * (settings.GREENSHIELD_MAX_BODY_BYTES + 10) + b"]}"
    response = client_for("device").generic("POST", "/api/v1/events/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"


# --- the lockout is per username *and* address; X-Forwarded-For is not the client's to choose ---------------------

def client_at(address: str, **extra) -> APIClient:
    return APIClient(REMOTE_ADDR=address, **extra)


def test_a_lock_from_one_address_does_not_lock_the_user_out_elsewhere(world, settings):
    settings.GREENSHIELD_LOGIN_MAX_FAILURES = 3
    attacker, regulator = client_at("198.51.100.7"), client_at("203.0.113.20")
    for _ in range(3):
        assert login(attacker, "sh_regulator", "guessing-123").status_code == 400
    assert login(attacker, "sh_regulator", PASSWORD).json()["errors"][0]["code"] == "account_locked"
    assert login(regulator, "sh_regulator", PASSWORD).status_code == 200  # the real user, from their desk
    admin = Client(REMOTE_ADDR="203.0.113.20")
    response = admin.post("/admin/login/?next=/admin/", {"username": "sh_regulator", "password": PASSWORD})
    assert response.status_code == 302 and admin.session["_auth_user_id"] == str(world.users["regulator"].pk)


def test_the_admin_login_locks_and_the_lock_holds_for_the_api(world, settings):
    settings.GREENSHIELD_LOGIN_MAX_FAILURES = 3
    admin = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [admin.post("/admin/login/", {"username": "zto_supervisor", "password": "guessing-123"}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]  # the form again (wrong password), then the lock, as it starts
    response = admin.post("/admin/login/", {"username": "zto_supervisor", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in admin.session
    assert login(client_at("198.51.100.7"), "zto_supervisor", PASSWORD).json()["errors"][0]["code"] == "account_locked"
    assert AuditEntry.objects.filter(action="auth.locked", target_id="zto_supervisor").count() == 1
    failed = AuditEntry.objects.filter(action="auth.login_failed", target_id="zto_supervisor")
    assert {entry.data["client"] for entry in failed} == {"198.51.100.7"}


def test_a_lock_answers_alike_for_an_account_and_for_no_account(world, settings):
    settings.GREENSHIELD_LOGIN_MAX_FAILURES = 2
    client = client_at("198.51.100.7")
    answers = []
    for username in ("zto_supervisor", "no_such_account"):
        for _ in range(2):
            login(client, username, "guessing-123")
        answers.append(login(client, username, "guessing-123"))
    assert answers[0].status_code == answers[1].status_code == 429
    assert answers[0].json() == answers[1].json()


def test_a_rotating_forwarded_for_header_is_still_locked_out(world, settings):
    settings.GREENSHIELD_LOGIN_MAX_FAILURES = 3
    client = client_at("198.51.100.7")
    for i in range(3):
        login(client, "zto_supervisor", "guessing-123", HTTP_X_FORWARDED_FOR=f"10.0.{i}.1")
    locked = login(client, "zto_supervisor", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert locked.status_code == 429 and locked.json()["errors"][0]["code"] == "account_locked"


def test_a_rotating_forwarded_for_header_is_still_throttled(world, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {**LoginRateThrottle.THROTTLE_RATES, "login": "3/min"})
    client = client_at("198.51.100.7")
    statuses = [login(client, f"user{i}", "x", HTTP_X_FORWARDED_FOR=f"10.0.{i}.1").status_code for i in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert login(client_at("203.0.113.20"), "zto_supervisor", PASSWORD).status_code == 200


def test_the_admin_login_shares_the_sign_in_throttle(world, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {**LoginRateThrottle.THROTTLE_RATES, "login": "3/min"})
    for i in range(3):
        login(client_at("198.51.100.7"), f"user{i}", "x")
    admin = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.1.2.3")
    response = admin.post("/admin/login/", {"username": "zto_supervisor", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in admin.session
    assert "Too many sign-in attempts" in response.content.decode()
    assert admin.get("/admin/login/").status_code == 200  # the page itself is not throttled


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_one_locked(world, settings):
    settings.GREENSHIELD_LOGIN_MAX_FAILURES = 3
    settings.GREENSHIELD_TRUSTED_PROXIES = ["10.0.0.0/8"]
    attacker = client_at("10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(3):
        login(attacker, "sh_regulator", "guessing-123")
    # The attacker's own header cannot make them someone else: the proxy appends the address it saw.
    spoofing = client_at("10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.20, 198.51.100.7")
    assert login(spoofing, "sh_regulator", PASSWORD).status_code == 429
    regulator = client_at("10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert login(regulator, "sh_regulator", PASSWORD).status_code == 200
    assert AuditEntry.objects.filter(action="auth.token").get().data["client"] == "203.0.113.20"


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    ([], "198.51.100.7", "203.0.113.20", "198.51.100.7"),  # no proxy trusted: the header is ignored
    (["10.0.0.1"], "198.51.100.7", "203.0.113.20", "198.51.100.7"),  # not from our proxy: ignored
    (["10.0.0.1"], "10.0.0.1", "203.0.113.20", "203.0.113.20"),
    (["10.0.0.1"], "10.0.0.1", "1.2.3.4, 203.0.113.20", "203.0.113.20"),  # the client's own entries are skipped
    (["10.0.0.0/8"], "10.0.0.1", "203.0.113.20, 10.0.0.9", "203.0.113.20"),  # two proxies of ours
    (["10.0.0.0/8"], "10.0.0.1", "not-an-address", "10.0.0.1"),
    (["10.0.0.0/8"], "10.0.0.1", "", "10.0.0.1"),
    (["::1"], "::1", "2001:db8::5", "2001:db8::5"),
])
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.GREENSHIELD_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
