"""Sign-in tokens (issue 12): they expire, are stored only as digests, die on sign-out and whenever what the account
was trusted with changes (password, role, scope, active flag); no admin page lists or mints them."""
from __future__ import annotations

import datetime
import hashlib
import time

from django.contrib import admin as django_admin
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts.services import account_save
from apps.audit.models import AuditEntry
from greenshield.enums import Province, Role
from tests.factories import PASSWORD
from tests.helpers import assert_error, device_client

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
PROBE = "/api/v1/facilities/"


def sign_in(username: str, client: APIClient | None = None) -> dict:
    response = (client or APIClient()).post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_expires_after_a_working_shift(world, settings):
    assert settings.GREENSHIELD_TOKEN_TTL == 9 * 3600
    before = timezone.now()
    body = sign_in("zto_supervisor")
    expires_at = parse_datetime(body["expires_at"])
    assert before + datetime.timedelta(hours=9) <= expires_at <= timezone.now() + datetime.timedelta(hours=9)
    assert AuthToken.objects.get(user=world.users["supervisor"]).expiry == expires_at


def test_an_expired_token_is_refused(world, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(seconds=1)}
    token = sign_in("sh_regulator")["token"]
    assert bearer(token).get(PROBE).status_code == 200
    time.sleep(1.2)
    assert_error(bearer(token).get(PROBE), 401, "authentication_failed")
    assert not AuthToken.objects.filter(user=world.users["regulator"]).exists()  # and it is gone
    assert sign_in("sh_regulator")["token"] != token  # signing in again gives a new one


def test_the_database_holds_no_usable_token(world):
    token = sign_in("zto_supervisor")["token"]
    row = AuthToken.objects.get(user=world.users["supervisor"])
    assert row.digest == hashlib.sha512(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")  # noqa: S608
        stored = " ".join(str(value) for value in cursor.fetchall()[0])
    assert token not in stored
    assert token[:15] == row.token_key  # only the lookup prefix, not enough to sign in with
    for leaked in (row.digest, row.token_key, row.digest[:64]):
        assert_error(bearer(leaked).get(PROBE), 401, "authentication_failed")
    assert not any(token in str(entry.data) for entry in AuditEntry.objects.all())


def test_sign_out_revokes_the_token_presented_and_is_audited(world):
    first, second = sign_in("zto_supervisor")["token"], sign_in("zto_supervisor")["token"]
    response = bearer(first).post(LOGOUT_URL, HTTP_X_REQUEST_ID="req-logout-0001")
    assert response.status_code == 204, response.content
    assert_error(bearer(first).get(PROBE), 401, "authentication_failed")
    assert_error(bearer(first).post(LOGOUT_URL), 401, "authentication_failed")
    assert bearer(second).get(PROBE).status_code == 200  # another session of the account is not affected
    entry = AuditEntry.objects.get(action="auth.logout")
    assert entry.actor_user == world.users["supervisor"] and entry.request_id == "req-logout-0001"


def test_sign_out_needs_a_token(world):
    assert_error(APIClient().post(LOGOUT_URL), 401, "not_authenticated")
    assert_error(device_client(world.zto_device).post(LOGOUT_URL), 403, "permission_denied")


def test_a_password_change_ends_every_session(world):
    tokens = [sign_in("sh_regulator")["token"] for _ in range(2)]
    user = world.users["regulator"]
    user.set_password("a-new-password-2026")
    user.save()
    for token in tokens:
        assert_error(bearer(token).get(PROBE), 401, "authentication_failed")
    entry = AuditEntry.objects.get(action="auth.sessions_ended")
    assert entry.data == {"reason": "changed: password", "tokens": 2}


def test_deactivating_the_account_ends_its_sessions(world):
    token = sign_in("zto_supervisor")["token"]
    user = world.users["supervisor"]
    user.is_active = False
    user.save()
    user.is_active = True  # reactivated: the old token does not come back
    user.save()
    assert_error(bearer(token).get(PROBE), 401, "authentication_failed")


def test_a_role_change_ends_the_sessions(world):
    token = sign_in("zto_supervisor")["token"]
    user = world.users["supervisor"]
    account_save(username=user.username, role=Role.REGULATOR, province=Province.SHANGHAI, via="test")
    assert_error(bearer(token).get(PROBE), 401, "authentication_failed")


def test_a_role_group_change_ends_the_sessions_however_it_is_made(world):
    token = sign_in("zto_supervisor")["token"]
    world.users["supervisor"].groups.clear()
    assert_error(bearer(token).get(PROBE), 401, "authentication_failed")


def test_a_scope_change_ends_the_sessions(world):
    token = sign_in("sh_regulator")["token"]
    account_save(username="sh_regulator", role=Role.REGULATOR, province=Province.JIANGSU, via="test")
    assert_error(bearer(token).get(PROBE), 401, "authentication_failed")


def test_saving_an_account_unchanged_keeps_its_sessions(world):
    token = sign_in("sh_regulator")["token"]
    account_save(username="sh_regulator", role=Role.REGULATOR, province=Province.SHANGHAI, via="test")
    user = world.users["regulator"]
    user.refresh_from_db()
    user.email = "regulator@example.cn"
    user.save()
    assert bearer(token).get(PROBE).status_code == 200
    assert not AuditEntry.objects.filter(action="auth.sessions_ended").exists()


def test_no_admin_page_lists_or_mints_tokens(world, as_user):
    assert not django_admin.site.is_registered(AuthToken)
    page = as_user("superuser").get("/admin/")
    assert page.status_code == 200
    assert "/admin/knox/" not in page.content.decode() and "auth token" not in page.content.decode().lower()
    assert as_user("superuser").get("/admin/knox/authtoken/add/").status_code == 404
