"""Shared fixtures: a small two-company, two-province world and an API client per login kind (pretix style)."""
from __future__ import annotations

import os
import secrets
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.parcels.services import prohibited_categories_load
from greenshield.enums import FacilityKind, Province, Role
from tests.admin_helpers import evidence_records, login
from tests.factories import DeviceFactory, FacilityFactory, OrganizationFactory, StaffFactory, UserFactory
from tests.helpers import device_client, token_client
from tests.services import CeleryWorker, RedisServer, services_or_skip, services_required


def _flush_past_the_truncate_guard():
    """Between transactional tests Django empties the tables with TRUNCATE, which the evidence tables refuse
    (``apps.common.evidence_guards``): let the test runner's flush, and only it, through."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from apps.common.evidence_guards import ALLOW_TRUNCATE

    original = DatabaseOperations.sql_flush
    if getattr(original, "allows_evidence_truncate", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [ALLOW_TRUNCATE, *statements] if statements else statements

    sql_flush.allows_evidence_truncate = True
    DatabaseOperations.sql_flush = sql_flush


_flush_past_the_truncate_guard()

# Schemathesis (tests/test_schemathesis.py): a new seed each run unless GREENSHIELD_SCHEMATHESIS_SEED repeats one;
# printed in the header and the summary with the number of cases run per operation.
SCHEMATHESIS_SEED = int(os.environ.get("GREENSHIELD_SCHEMATHESIS_SEED") or secrets.randbelow(2**32))
SCHEMATHESIS_CASES: Counter = Counter()


def pytest_report_header(config):
    return f"schemathesis seed: {SCHEMATHESIS_SEED} (GREENSHIELD_SCHEMATHESIS_SEED={SCHEMATHESIS_SEED} repeats it)"


def pytest_terminal_summary(terminalreporter):
    if not SCHEMATHESIS_CASES:
        return
    stateless = {op: n for op, n in SCHEMATHESIS_CASES.items() if not op.startswith("stateful ")}
    stateful = sum(SCHEMATHESIS_CASES.values()) - sum(stateless.values())
    fewest = min(stateless.items(), key=lambda item: item[1]) if stateless else ("-", 0)
    terminalreporter.write_line(
        f"schemathesis: seed {SCHEMATHESIS_SEED}, {sum(stateless.values())} cases over {len(stateless)} operations "
        f"(fewest: {fewest[1]} for {fewest[0]}), {stateful} stateful calls")


@pytest.fixture
def require_postgres():
    """Tests of PostgreSQL behaviour skip on SQLite, except in CI where they must run."""
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("GREENSHIELD_REQUIRE_SERVICES=1 but the database is not PostgreSQL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


class World:
    """Two companies: ZTO in Shanghai, YTO in Jiangsu; each with an outlet and a hub."""

    def __init__(self):
        # The catalogue comes from a data migration; a transactional test's flush empties it, so restore it.
        prohibited_categories_load()
        self.zto = OrganizationFactory(code="ZTO", name="中通快递", province=Province.SHANGHAI)
        self.yto = OrganizationFactory(code="YTO", name="圆通速递", province=Province.JIANGSU)
        self.zto_outlet = FacilityFactory(code="SH-PD-01", organization=self.zto, kind=FacilityKind.OUTLET,
                                          region_code="310115")
        self.zto_hub = FacilityFactory(code="SH-HUB-01", organization=self.zto, kind=FacilityKind.HUB,
                                       region_code="310115")
        self.yto_outlet = FacilityFactory(code="NJ-XW-01", organization=self.yto, kind=FacilityKind.OUTLET,
                                          region_code="320102")
        self.yto_hub = FacilityFactory(code="NJ-HUB-01", organization=self.yto, kind=FacilityKind.HUB,
                                       region_code="320102")
        self.zto_courier = StaffFactory(employee_no="E1001", facility=self.zto_outlet, organization=self.zto)
        self.zto_screener_staff = StaffFactory(employee_no="E1002", facility=self.zto_hub, organization=self.zto)
        self.yto_courier = StaffFactory(employee_no="E2001", facility=self.yto_outlet, organization=self.yto)
        self.zto_device = DeviceFactory(serial="SCN-ZTO-1", facility=self.zto_hub, organization=self.zto)
        self.yto_device = DeviceFactory(serial="SCN-YTO-1", facility=self.yto_hub, organization=self.yto)
        self.users = {
            "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
            "outlet_staff": UserFactory(username="zto_outlet", role=Role.OUTLET_STAFF, organization=self.zto,
                                        facility=self.zto_outlet, staff=self.zto_courier),
            "screener": UserFactory(username="zto_screener", role=Role.SCREENER, organization=self.zto,
                                    facility=self.zto_hub, staff=self.zto_screener_staff),
            "supervisor": UserFactory(username="zto_supervisor", role=Role.SUPERVISOR, organization=self.zto,
                                      is_staff=True),
            "regulator": UserFactory(username="sh_regulator", role=Role.REGULATOR, province=Province.SHANGHAI,
                                     is_staff=True),
            "other_supervisor": UserFactory(username="yto_supervisor", role=Role.SUPERVISOR, organization=self.yto,
                                            is_staff=True),
            "other_regulator": UserFactory(username="js_regulator", role=Role.REGULATOR, province=Province.JIANGSU,
                                           is_staff=True),
            "other_outlet_staff": UserFactory(username="yto_outlet", role=Role.OUTLET_STAFF, organization=self.yto,
                                              facility=self.yto_outlet, staff=self.yto_courier),
            "regional_regulator": UserFactory(username="delta_regulator", role=Role.REGIONAL_REGULATOR, is_staff=True),
        }


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def client_for(world):
    """``client_for("supervisor")`` → an APIClient logged in with that world user's token;
    ``client_for("device")`` → the ZTO hub scanner; ``client_for("anonymous")`` → no credentials."""

    def make(kind: str) -> APIClient:
        if kind == "anonymous":
            return APIClient()
        if kind == "device":
            return device_client(world.zto_device)
        if kind == "other_device":
            return device_client(world.yto_device)
        return token_client(world.users[kind])

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 at production strength makes account-heavy tests slow; hashing strength is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def redis_server():
    services_or_skip()
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_worker(redis_server, settings, transactional_db):
    """A real worker process (with beat) on a private Redis and the test database. The test process publishes
    to that Redis too, as the service does when REDIS_URL is set."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_server.url
    settings.REDIS_URL = redis_server.url
    worker = CeleryWorker(redis_server.url)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters and login lockouts live in the cache: each test starts from none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def as_user(world):
    """``as_user("supervisor")`` → a browser client logged in to the admin as that world user."""
    return lambda kind: login(world.users[kind])


@pytest.fixture
def records(world, client_for):
    """The admin's evidence records: per company an accepted and a refused attempt (see ``evidence_records``)."""
    return evidence_records(world, client_for)


@pytest.fixture
def back_to_latest():
    """For a test that migrates back: going back also unapplies what depends on the target (later migrations of
    other apps too), so the tests after it get the whole schema again."""
    from tests.helpers import migrate_to_latest

    yield
    migrate_to_latest()
