"""Exactly-once capture under concurrency (PostgreSQL): a retry storm of overlapping batches from several
clients stores every event once, on one unbroken chain per parcel; a race on one event_id with two contents
stores one and reports the other as a conflict, without sinking the rest of either batch."""
from __future__ import annotations

import collections
import datetime
import random
import threading
import uuid

import pytest
from django.utils import timezone

from apps.compliance.models import Alert
from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, Parcel
from greenshield.enums import EventType
from tests.factories import VehicleFactory
from tests.helpers import PLATE, accept, device_client, run_threads, scan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EVENTS = "/api/v1/events/"
THREADS = 6
ROUNDS = 5
PARCELS = 30
EVENTS_PER_PARCEL = 10
CYCLE = ("ARRIVED", "SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER", "EXCEPTION", "OUT_FOR_DELIVERY",
         "DELIVERY_FAILED", "DELIVERED")


def make_event(waybill_no: str, type: str, occurred_at: datetime.datetime) -> dict:
    return scan(waybill_no, type, occurred_at, location={"lat": 31.2, "lon": 121.5})


@pytest.fixture
def waybills(require_postgres, world, client_for):
    VehicleFactory(plate=PLATE, organization=world.zto)
    outlet = client_for("outlet_staff")
    return [accept(outlet)["waybill_no"] for _ in range(PARCELS)]


def test_a_retry_storm_stores_every_event_exactly_once(world, waybills):
    base = timezone.now()
    pool = [make_event(wb, CYCLE[i], base + datetime.timedelta(seconds=random.randint(0, 120)))
            for wb in waybills for i in range(EVENTS_PER_PARCEL)]
    by_id = {e["event_id"]: e for e in pool}
    clients = [device_client(world.zto_device) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    receipts: list[list[tuple[dict, dict]]] = [[] for _ in range(THREADS)]

    def storm(index: int):
        rnd = random.Random(1000 + index)
        full_round = rnd.randrange(ROUNDS)  # each client sends the whole pool once, in its own order
        for round_no in range(ROUNDS):
            if round_no == full_round:
                batch = rnd.sample(pool, len(pool))
            else:
                batch = rnd.sample(pool, rnd.randint(60, 200))
                batch += rnd.sample(batch, 10)  # retries within the batch, too
                rnd.shuffle(batch)
            barrier.wait(timeout=60)
            response = clients[index].post(EVENTS, {"events": batch}, format="json")
            assert response.status_code == 200, response.content
            receipts[index].append((batch, response.json()))

    failures = run_threads(storm, THREADS)
    assert not failures, failures

    accepted = collections.Counter()
    reported_hashes = collections.defaultdict(set)
    for thread_receipts in receipts:
        assert len(thread_receipts) == ROUNDS
        for batch, body in thread_receipts:
            assert [r["event_id"] for r in body["results"]] == [e["event_id"] for e in batch]
            for result in body["results"]:
                assert result["status"] in ("ACCEPTED", "DUPLICATE"), result
                assert result["errors"] == [] and result["chain_hash"]
                accepted[result["event_id"]] += result["status"] == "ACCEPTED"
                reported_hashes[result["event_id"]].add(result["chain_hash"])
            summary = body["summary"]
            assert summary["conflicts"] == summary["rejected"] == 0
            assert summary["accepted"] + summary["duplicates"] == len(batch)
    assert set(accepted) == set(by_id)
    assert all(count == 1 for count in accepted.values()), [k for k, v in accepted.items() if v != 1]

    scans = CheckpointEvent.objects.filter(type__in=EventType.scans())
    assert scans.count() == len(pool)
    stored = dict(scans.values_list("event_id", "hash"))
    assert {str(k) for k in stored} == set(by_id)
    for event_id, event_hash in stored.items():
        assert reported_hashes[str(event_id)] == {event_hash}  # duplicates answer with the original's hash

    for parcel in Parcel.objects.filter(waybill_no__in=waybills):
        verdict = chain_verify(parcel)
        assert verdict.valid, (parcel.waybill_no, verdict)
        assert parcel.chain_length == EVENTS_PER_PARCEL + 2 == verdict.length
        seqs = list(CheckpointEvent.objects.filter(parcel=parcel).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, EVENTS_PER_PARCEL + 3))

    dispatches = sum(e["type"] in ("LOADED", "DEPARTED") for e in pool)
    # One open alert per (parcel, kind), counting its occurrences (issue 12, alert storms): each dispatch once.
    alerts = Alert.objects.filter(kind="dispatch_without_screening")
    dispatched = {e["waybill_no"] for e in pool if e["type"] in ("LOADED", "DEPARTED")}
    assert alerts.count() == len(dispatched)
    assert sum(alerts.values_list("count", flat=True)) == dispatches
    assert not Alert.objects.filter(kind="event_id_conflict").exists()


def test_a_race_on_one_event_id_with_two_contents_stores_one(world, waybills):
    """Half the clients send event X on parcel A, half on parcel B, each with a scan of its own parcel. One X is
    stored; the same content elsewhere is a duplicate, the other content a conflict; every own scan is stored."""
    event_id = str(uuid.uuid4())
    now = timezone.now()
    shared = [{**make_event(waybills[0], "ARRIVED", now), "event_id": event_id},
              {**make_event(waybills[1], "ARRIVED", now), "event_id": event_id}]
    own = [make_event(waybills[2 + i], "SORTED", now) for i in range(THREADS)]
    clients = [device_client(world.zto_device) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    bodies: list = [None] * THREADS

    def race(index: int):
        barrier.wait(timeout=60)
        response = clients[index].post(EVENTS, {"events": [shared[index % 2], own[index]]}, format="json")
        assert response.status_code == 200, response.content
        bodies[index] = response.json()

    failures = run_threads(race, THREADS)
    assert not failures, failures

    assert all(body["results"][1]["status"] == "ACCEPTED" for body in bodies)
    outcomes = collections.Counter(body["results"][0]["status"] for body in bodies)
    assert outcomes == {"ACCEPTED": 1, "DUPLICATE": THREADS // 2 - 1, "CONFLICT": THREADS // 2}, outcomes
    winner = next(i for i, body in enumerate(bodies) if body["results"][0]["status"] == "ACCEPTED")
    for index, body in enumerate(bodies):
        expected = "DUPLICATE" if index % 2 == winner % 2 and index != winner else None
        if expected:
            assert body["results"][0]["status"] == expected
            assert body["results"][0]["chain_hash"] == bodies[winner]["results"][0]["chain_hash"]

    stored = CheckpointEvent.objects.get(event_id=event_id)
    assert stored.parcel.waybill_no == shared[winner % 2]["waybill_no"]
    loser = Parcel.objects.get(waybill_no=shared[1 - winner % 2]["waybill_no"])
    assert loser.chain_length == 2
    assert CheckpointEvent.objects.filter(type="SORTED").count() == THREADS
    assert Alert.objects.filter(kind="event_id_conflict").count() == 1
    for parcel in Parcel.objects.all():
        assert chain_verify(parcel).valid, parcel.waybill_no


def test_concurrent_batches_on_the_same_parcels_interleave_into_one_linear_chain(world, waybills):
    """Distinct events on shared parcels from every client at once: each parcel's chain stays one line."""
    now = timezone.now()
    batches = [[make_event(wb, "SORTED", now) for wb in waybills[:10]] for _ in range(THREADS)]
    clients = [device_client(world.zto_device) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def post(index: int):
        rnd = random.Random(index)
        batch = rnd.sample(batches[index], len(batches[index]))
        barrier.wait(timeout=60)
        response = clients[index].post(EVENTS, {"events": batch}, format="json")
        assert response.status_code == 200 and response.json()["summary"]["accepted"] == len(batch), response.content

    failures = run_threads(post, THREADS)
    assert not failures, failures
    for parcel in Parcel.objects.filter(waybill_no__in=waybills[:10]):
        assert parcel.chain_length == THREADS + 2
        assert chain_verify(parcel).valid
        prev_hashes = list(CheckpointEvent.objects.filter(parcel=parcel).values_list("prev_hash", flat=True))
        assert len(set(prev_hashes)) == len(prev_hashes)  # no fork: no two links follow the same predecessor
