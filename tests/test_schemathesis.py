"""Schemathesis against the live OpenAPI document, in-process over WSGI, on the test database with the matrix
world in it: every operation, called as a role that may use it, with generated requests (the schema's examples,
its coverage cases and at least 100 fuzzed examples per operation). The seed changes from run to run and is printed
in pytest's header and summary; ``GREENSHIELD_SCHEMATHESIS_SEED`` repeats a run. Checks: no 5xx, every status
documented, every body and content type as the schema says.

Generated identifiers are mostly unknown, so about half of the cases are pointed at real objects, in and out of
the caller's scope (``Steer``), and get past the 404 into the code behind it. A stateful run follows the schema's
OpenAPI links from what it creates (acceptances, screenings, blacklist entries) and lists (alerts) to the
operations on those very objects: trace, reveal, re-check, acknowledge, revoke."""
from __future__ import annotations

import os
import zlib
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, seed, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.conftest import SCHEMATHESIS_CASES, SCHEMATHESIS_SEED
from tests.factories import synthetic_resident_id
from tests.helpers import SENDER_ID, acceptance_body, screening_body, token_key
from tests.matrix_world import IN, OUT, MatrixWorld

MAX_EXAMPLES = int(os.environ.get("GREENSHIELD_SCHEMATHESIS_EXAMPLES", "100"))  # fuzzed examples per operation
STATEFUL_SCENARIOS = int(os.environ.get("GREENSHIELD_SCHEMATHESIS_SCENARIOS", "40"))  # per round, up to 3 rounds

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=False)
schema.config.seed = SCHEMATHESIS_SEED

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

REFERENCE = r"^/api/v1/(organizations|facilities|staff|vehicles|devices)/"

# Who calls what. Every operation of the schema is in exactly one run (test_every_operation_has_a_caller).
# - devices post checkpoint events and X-ray screenings (a screener could too; the device is the harder caller);
# - outlet staff record acceptances;
# - superusers write reference data (everyone else gets 403 there, which the permission matrix covers).
#   Generated DELETEs are destructive, but only within the test's transaction, so nothing is excluded for it;
# - a supervisor does everything else: reads, trace, search, reveal, blacklist, alerts, re-checks, audit log,
#   and signing in (POST auth/token/ takes no credentials: generated usernames meet the lockout and the
#   login throttle, whose 429 answers are documented too).
device_schema = schema.include(path=["/api/v1/events/", "/api/v1/screenings/", "/api/v1/epcis/capture/"], method="POST")
device_jobs_schema = schema.include(path="/api/v1/epcis/capture/{capture_id}/", method="GET")
# - regulators manage EPCIS subscriptions (supervisors get 403 there, which the permission matrix covers);
EPCIS_SUBSCRIPTIONS = r"^/api/v1/epcis/subscriptions/"
regulator_schema = schema.include(path_regex=EPCIS_SUBSCRIPTIONS)
outlet_schema = schema.include(path="/api/v1/acceptances/", method="POST")
superuser_schema = schema.include(path_regex=REFERENCE, method=["POST", "PUT", "PATCH", "DELETE"])
supervisor_schema = (schema.exclude(path=["/api/v1/events/", "/api/v1/screenings/", "/api/v1/acceptances/",
                                          "/api/v1/epcis/capture/"], method="POST")
                     .exclude(path="/api/v1/epcis/capture/{capture_id}/", method="GET")
                     .exclude(path_regex=EPCIS_SUBSCRIPTIONS)
                     .exclude(path_regex=REFERENCE, method=["POST", "PUT", "PATCH", "DELETE"]))

# The world is built once per operation and shared by its examples, on purpose (its transaction ends with the test).
HEALTH = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)


def call(case, headers: dict):
    SCHEMATHESIS_CASES[case.operation.label] += 1
    case.call_and_validate(headers=headers, checks=CHECKS)


class Steer:
    """Points about half of the generated cases at real objects of the matrix world, by the names the schema
    gives identifiers in paths and bodies: all of one side, ZTO (in the caller's scope) or YTO (out of it), so
    that the values fit together. The choice hashes the case, so it is as deterministic as the generation."""

    def __init__(self, m: MatrixWorld):
        w = m.world
        zto_vehicle, yto_vehicle = m.vehicles
        staff = (["E1002", "E1001"], ["E2001"])
        identity = {"id_type": ["RESIDENT_ID"], "id_number": [SENDER_ID, synthetic_resident_id(5)],
                    "phone": ["13800138000"]}
        plates = ([zto_vehicle.plate], [yto_vehicle.plate])
        waybills = ([m.zto_parcel.waybill_no], [m.yto_parcel.waybill_no])

        def pks(*pairs):
            return tuple([str(obj.pk) for obj in side] for side in zip(*pairs, strict=True))

        # Path parameters by the collection they address (the schema calls every primary key "id").
        self.path = {
            "organizations": {"code": (["ZTO"], ["YTO"])},
            "facilities": {"code": ([w.zto_outlet.code, w.zto_hub.code], [w.yto_outlet.code, w.yto_hub.code])},
            "staff": {"employee_no": staff}, "couriers": {"employee_no": staff},
            "vehicles": {"plate": plates},
            "devices": {"serial": ([w.zto_device.serial, m.outlet_device.serial], [w.yto_device.serial])},
            "parcels": {"waybill_no": waybills},
            "alerts": {"id": pks((m.alerts["hub"], m.alerts["yto"]), (m.alerts["outlet"], m.alerts["yto"]))},
            "blacklist": {"id": pks((m.blacklist["zto"], m.blacklist["yto"]), (m.blacklist["sh"], m.blacklist["js"]))},
            "audit-entries": {"id": pks((m.audit_entries[IN], m.audit_entries[OUT]))},
            "screenings": {"id": pks((m.zto_screening, m.yto_screening))},
        }
        self.body = {
            "waybill_no": waybills,
            "facility": ([w.zto_hub.code, w.zto_outlet.code], [w.yto_hub.code, w.yto_outlet.code]),
            "operator": staff, "courier": staff, "employee_no": staff,
            "organization": (["ZTO"], ["YTO"]),
            "vehicle": plates,
            **{name: (values, values) for name, values in identity.items()},
        }

    def __call__(self, case):
        digest = zlib.crc32(repr((case.operation.label, case.path_parameters, case.query, case.body)).encode())
        if digest % 2:
            return
        side = digest // 2 % 2

        def pick(values: tuple, salt: int):
            choices = values[side]
            return choices[(digest // 4 + salt) % len(choices)]

        known = self.path.get(case.operation.path.split("/")[3], {})
        for salt, name in enumerate(case.path_parameters or {}):
            if name in known:
                case.path_parameters[name] = pick(known[name], salt)
        body = case.body
        if isinstance(body, dict):
            events = body.get("events")
            for data in [body, *(events if isinstance(events, list) else [])]:
                if isinstance(data, dict):
                    for salt, name in enumerate(list(data)):
                        if name in self.body and isinstance(data[name], str):
                            data[name] = pick(self.body[name], salt)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Django closes the database connection when a request ends; in-process over WSGI that is the test's own
    connection, inside its transaction. Django's test client holds it open the same way."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def steer(world):
    return Steer(MatrixWorld(world))


def token_for(user) -> dict:
    return {"Authorization": f"Token {token_key(user)}"}


@supervisor_schema.parametrize()
@HEALTH
def test_api_as_supervisor(case, world, steer):
    steer(case)
    call(case, token_for(world.users["supervisor"]))


@superuser_schema.parametrize()
@HEALTH
def test_reference_data_as_superuser(case, world, steer):
    steer(case)
    call(case, token_for(world.users["superuser"]))


@device_schema.parametrize()
@HEALTH
def test_scans_as_device(case, world, steer):
    steer(case)
    call(case, {"Authorization": f"Api-Key {world.zto_device.plain_api_key}"})


@device_jobs_schema.parametrize()
@HEALTH
def test_capture_jobs_as_device(case, world, steer):
    steer(case)
    call(case, {"Authorization": f"Api-Key {world.zto_device.plain_api_key}"})


@regulator_schema.parametrize()
@HEALTH
def test_subscriptions_as_regulator(case, world, steer):
    steer(case)
    call(case, token_for(world.users["regulator"]))


@outlet_schema.parametrize()
@HEALTH
def test_acceptances_as_outlet_staff(case, world, steer):
    steer(case)
    call(case, token_for(world.users["outlet_staff"]))


def test_every_operation_has_a_caller():
    def operations(s):
        return {(op.ok().method.upper(), op.ok().path) for op in s.get_all_operations()}

    runs = [operations(s) for s in (supervisor_schema, superuser_schema, device_schema, outlet_schema,
                                    regulator_schema, device_jobs_schema)]
    everything = operations(schema)
    assert len(everything) > 40
    assert set().union(*runs) == everything
    assert sum(len(run) for run in runs) == len(everything)  # and none twice


# --- stateful: follow the links to the objects just made ------------------------------------------------------

#: The operations the stateful run chains, and who calls each (the rest are the supervisor's).
WORKFLOW_CALLERS = {"acceptances_create": "outlet_staff", "screenings_create": "device"}
WORKFLOW = ["acceptances_create", "screenings_create", "screenings_resolution_create", "parcels_trace_retrieve",
            "parcels_reveal_create", "parcels_epcis_retrieve", "alerts_list", "alerts_retrieve",
            "alerts_acknowledge_create", "alerts_resolve_create", "blacklist_list", "blacklist_create",
            "blacklist_revoke_create"]
#: Operations on one object, which the run must reach with an object it was led to by a link: answered 2xx, or 409
#: (the object was found; its state refuses the change, e.g. an alert acknowledged already).
#: Not yet among them: alerts_acknowledge_create. Its links (alerts list → acknowledge) are in the schema and called,
#: but in this schemathesis version the calls so far carried generated ids (404), not the listed ones — an open item.
MUST_REACH = {"parcels_trace_retrieve", "parcels_reveal_create", "screenings_resolution_create",
              "blacklist_revoke_create"}
workflow_schema = schema.include(operation_id=WORKFLOW)


class WorkflowSteer:
    """Half of the creating calls get a valid body (a generated one seldom passes the identity checks), so that the
    links have real objects to lead to; the calls on one object are left to the links."""

    def __init__(self, m: MatrixWorld):
        m.alerts, m.blacklist, m.zto_screening  # noqa: B018 — objects for the lists to lead to
        self.waybills = [m.zto_parcel.waybill_no]  # and the parcels the run accepts
        self.count = 0

    def __call__(self, case):
        self.count += 1
        if self.count % 2:
            return
        operation = case.operation.definition.raw.get("operationId")
        if operation == "acceptances_create":
            case.body = acceptance_body()  # the server numbers the waybill
        elif operation == "screenings_create":
            result = ("SUSPECT", "CLEAR", "PROHIBITED")[self.count // 2 % 3]
            linked = case.body.get("waybill_no") if isinstance(case.body, dict) else None
            waybill = linked if linked in self.waybills else self.waybills[self.count // 2 % len(self.waybills)]
            case.body = screening_body(waybill, result)
        elif operation == "screenings_resolution_create":
            case.body = {"result": ("CLEARED", "SEIZED")[self.count // 2 % 2], "notes": "开箱复检"}
        elif operation == "parcels_reveal_create":
            case.body = {"reason": "案件协查 2026-118"}
        elif operation in ("alerts_list", "blacklist_list"):
            case.query = {}  # generated filters seldom match anything: the whole list, to lead somewhere
        elif operation == "blacklist_create":
            case.body = {"subject": "SENDER", "id_type": "RESIDENT_ID", "id_number": synthetic_resident_id(2000 + self.count),
                         "reason": f"多次寄递违禁品 {self.count}"}


def test_stateful_links_reach_the_objects_they_lead_to(world):
    m = MatrixWorld(world)
    steer_workflow = WorkflowSteer(m)
    keys = {role: token_for(world.users[role]) for role in ("outlet_staff", "supervisor")}
    keys["device"] = {"Authorization": f"Api-Key {world.zto_device.plain_api_key}"}
    made: set[str] = set()  # ids and waybill numbers of what the run created or was listed
    reached: dict[str, int] = dict.fromkeys(MUST_REACH, 0)
    statuses: Counter = Counter()

    def operation_id(case) -> str:
        return case.operation.definition.raw.get("operationId")

    accepted = list(steer_workflow.waybills)

    class Workflow(workflow_schema.as_state_machine()):
        """Each scenario starts from the same database (a savepoint rolled back at its end), so that Hypothesis
        sees the same answers when it replays a scenario."""

        def setup(self):
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()
            steer_workflow.waybills = list(accepted)
            steer_workflow.count = 0  # the same steering for the same scenario

        def teardown(self):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        def before_call(self, case):
            steer_workflow(case)

        def get_call_kwargs(self, case):
            return {"headers": keys[WORKFLOW_CALLERS.get(operation_id(case), "supervisor")]}

        def after_call(self, response, case):
            SCHEMATHESIS_CASES[f"stateful {case.operation.label}"] += 1
            name = operation_id(case)
            statuses[(name, response.status_code)] += 1
            found = 200 <= response.status_code < 300 or response.status_code == 409
            if found and name in reached and set(map(str, (case.path_parameters or {}).values())) & made:
                reached[name] += 1
            if not 200 <= response.status_code < 300:
                return
            if name == "acceptances_create" and response.json().get("outcome") == "ACCEPTED":
                steer_workflow.waybills.append(response.json()["waybill_no"])
            body = response.json() if response.content and "json" in response.headers.get("content-type", [""])[0] \
                else None
            rows = body.get("results", []) if isinstance(body, dict) and "results" in body else [body]
            for row in rows:
                if isinstance(row, dict):
                    made.update(str(row[key]) for key in ("id", "waybill_no") if row.get(key) is not None)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    for round_ in range(3):  # another round (seeded from the run's seed) only while something is not reached
        run_state_machine_as_test(seed(SCHEMATHESIS_SEED + round_)(Workflow), settings=settings(
            max_examples=STATEFUL_SCENARIOS, stateful_step_count=10, deadline=None, database=None,
            suppress_health_check=list(HealthCheck)))
        if all(reached.values()):
            break
    # Every run must follow links to real parcels (trace) and real blacklist entries (revoke). Reveal and re-check
    # are reached in some runs only (a re-check needs a SUSPECT screening reached through two links), so they are
    # reported, not required: a seed that misses them would make CI fail by chance.
    print(f"stateful run (seed {SCHEMATHESIS_SEED}): reached through links with real objects: {reached}")
    required = {"parcels_trace_retrieve", "blacklist_revoke_create"}
    assert all(reached[name] for name in required), \
        f"not reached through a link with a real object: {reached}; answers: {statuses}"
