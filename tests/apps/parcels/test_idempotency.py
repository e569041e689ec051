"""``Idempotency-Key`` on POST /api/v1/acceptances/: a retry with the same key and body gets the first response
and stores nothing more; the same key with another body is 422 ``idempotency_key_reused``; keys belong to an
account; simultaneous retries (PostgreSQL) create one record."""
from __future__ import annotations

import threading

import pytest

from apps.common.models import IdempotencyRecord
from apps.compliance.models import Alert
from apps.parcels.models import AcceptanceRecord, Parcel
from apps.senders.models import Sender
from greenshield.enums import FacilityKind, Role
from tests.factories import FacilityFactory, StaffFactory, UserFactory
from tests.helpers import (
    OTHER_ID,
    acceptance_body,
    acceptance_post,
    assert_error,
    blacklist_post,
    run_threads,
    token_client,
)


def key(value: str) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": value}


@pytest.mark.django_db
@pytest.mark.parametrize("result", ["PASS", "PROHIBITED_FOUND"], ids=["accepted", "refused"])
def test_retry_with_same_key_and_body_replays_the_first_response(world, client_for, result):
    client = client_for("outlet_staff")
    body = acceptance_body(inspection={"result": result})
    first = acceptance_post(client, body, **key("retry-1"))
    assert first.status_code == 201, first.content

    retry = acceptance_post(client, body, **key("retry-1"))

    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert AcceptanceRecord.objects.count() == Sender.objects.count() == IdempotencyRecord.objects.count() == 1
    assert Parcel.objects.count() == (1 if result == "PASS" else 0)
    assert Alert.objects.count() == (0 if result == "PASS" else 1)


@pytest.mark.django_db
def test_retry_replays_even_when_the_decision_would_now_differ(world, client_for):
    """The first response is the answer for that key: a blacklist entry made since does not change it."""
    client = client_for("outlet_staff")
    first = acceptance_post(client, **key("retry-2"))
    blacklist_post(client_for("regulator"))

    retry = acceptance_post(client, **key("retry-2"))

    assert retry.json() == first.json() and retry.json()["outcome"] == "ACCEPTED"
    assert AcceptanceRecord.objects.count() == 1


@pytest.mark.django_db
def test_body_with_keys_in_another_order_is_the_same_request(world, client_for):
    client = client_for("outlet_staff")
    body = acceptance_body()
    first = acceptance_post(client, body, **key("retry-3"))

    reordered = {name: body[name] for name in reversed(list(body))}
    reordered["sender"] = {name: body["sender"][name] for name in reversed(list(body["sender"]))}
    retry = acceptance_post(client, reordered, **key("retry-3"))

    assert (retry.status_code, retry.json()) == (201, first.json())
    assert AcceptanceRecord.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [{"weight_g": 1300}, {"sender": {"id_number": OTHER_ID}},
                                     {"inspection": {"result": "PROHIBITED_FOUND"}}],
                         ids=["weight", "sender", "inspection"])
def test_same_key_with_another_body_is_rejected(world, client_for, changes):
    client = client_for("outlet_staff")
    first = acceptance_post(client, **key("reused"))

    response = acceptance_post(client, acceptance_body(**changes), **key("reused"))

    assert_error(response, 422, "idempotency_key_reused")
    assert response.json()["type"] == "client_error"
    assert AcceptanceRecord.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_body == first.json()


@pytest.mark.django_db
def test_keys_belong_to_an_account(world, client_for):
    zto = acceptance_post(client_for("outlet_staff"), **key("shared-key"))
    yto = acceptance_post(client_for("other_outlet_staff"), **key("shared-key"))

    assert zto.status_code == yto.status_code == 201
    assert zto.json()["id"] != yto.json()["id"] and "Idempotent-Replayed" not in yto
    assert (zto.json()["outlet"], yto.json()["outlet"]) == ("SH-PD-01", "NJ-XW-01")
    assert AcceptanceRecord.objects.count() == IdempotencyRecord.objects.count() == 2


@pytest.mark.django_db
def test_rejected_request_does_not_use_up_the_key(world, client_for):
    client = client_for("outlet_staff")
    bad = acceptance_body(recipient={"phone": "12345"})
    assert_error(acceptance_post(client, bad, **key("after-400")), 400, "invalid_phone", "recipient.phone")
    assert_error(acceptance_post(client, bad, **key("after-400")), 400, "invalid_phone", "recipient.phone")
    assert not IdempotencyRecord.objects.exists() and not AcceptanceRecord.objects.exists()

    fixed = acceptance_post(client, **key("after-400"))

    assert fixed.status_code == 201 and AcceptanceRecord.objects.count() == 1


@pytest.mark.django_db
def test_overlong_key_is_rejected(world, client_for):
    response = acceptance_post(client_for("outlet_staff"), **key("k" * 201))

    assert_error(response, 400, "invalid", "Idempotency-Key")
    assert not AcceptanceRecord.objects.exists()


@pytest.mark.django_db
def test_without_a_key_every_request_is_an_attempt(world, client_for):
    client = client_for("outlet_staff")
    acceptance_post(client)
    acceptance_post(client)

    assert AcceptanceRecord.objects.count() == 2 and Sender.objects.count() == 1
    assert not IdempotencyRecord.objects.exists()


THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_record(require_postgres, world):
    """Six simultaneous requests with one key and one body: one attempt stored, six identical answers."""
    user = world.users["outlet_staff"]
    clients = [token_client(user) for _ in range(THREADS)]
    body = acceptance_body(waybill_no="ZTO0000000777")
    barrier = threading.Barrier(THREADS)
    responses: list = [None] * THREADS

    def post(index: int):
        barrier.wait(timeout=10)
        responses[index] = acceptance_post(clients[index], body, **key("concurrent-1"))

    failures = run_threads(post, THREADS, timeout=60)

    assert not failures, failures
    assert [r.status_code for r in responses] == [201] * THREADS, [r.content for r in responses]
    bodies = [r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies) and bodies[0]["outcome"] == "ACCEPTED"
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == THREADS - 1
    assert AcceptanceRecord.objects.count() == Parcel.objects.count() == Sender.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_for_one_waybill_accept_one(require_postgres, world):
    """Two outlets of the company present the same waybill at the same moment (different requests, no key): one
    parcel, and the other gets the contract's 400 ``waybill_exists`` with nothing stored — not a server error."""
    second = FacilityFactory(code="SH-XH-01", organization=world.zto, kind=FacilityKind.OUTLET, region_code="310104")
    colleague = UserFactory(username="zto_xh_outlet", role=Role.OUTLET_STAFF, organization=world.zto, facility=second,
                            staff=StaffFactory(employee_no="E1201", organization=world.zto, facility=second))
    clients = [token_client(world.users["outlet_staff"]), token_client(colleague)]
    bodies = [acceptance_body(waybill_no="ZTO0000000888"),
              acceptance_body(waybill_no="ZTO0000000888", sender={"id_number": OTHER_ID})]
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def post(index: int):
        barrier.wait(timeout=10)
        responses[index] = acceptance_post(clients[index], bodies[index])

    failures = run_threads(post, len(clients), timeout=60)

    assert not failures, failures
    assert sorted(r.status_code for r in responses) == [201, 400], [r.content for r in responses]
    [rejected] = [r for r in responses if r.status_code == 400]
    assert_error(rejected, 400, "waybill_exists", "waybill_no")
    assert Parcel.objects.count() == AcceptanceRecord.objects.count() == 1
