"""Abuse limits: login lockout, per-user and per-device throttling, request body size."""
from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.audit.models import AuditEntry
from apps.common.throttling import AccountRateThrottle, DeviceRateThrottle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


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
    assert response.status_code == 200 and "_auth_user_id" not in admin.session  # the form is shown again
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
