"""Agencies' subscriptions: managed by regulators and operators (their own), webhook destinations checked,
deliveries signed, retried with backoff, stopped after too many failures and resumable — and, through a real Celery
worker and a real HTTP receiver that fails for a while, every event delivered exactly once."""
from __future__ import annotations

import datetime
import json
import time
import uuid

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.epcis import subscriptions
from apps.epcis.models import Subscription, SubscriptionStatus
from apps.parcels.models import CheckpointEvent
from tests.apps.epcis.helpers import assert_valid
from tests.apps.epcis.receiver import Receiver
from tests.helpers import accept, screening_body
from tests.journeys import iso, post_events
from tests.services import wait_until


def subscribe(client, dest, **body):
    return client.post("/api/v1/epcis/subscriptions/", {"dest": dest, **body}, format="json")


@pytest.mark.django_db
def test_regulators_and_operators_manage_their_own_subscriptions(world, client_for):
    created = subscribe(client_for("regulator"), "http://127.0.0.1:9/hook", query={"EQ_bizStep": "departing"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "ACTIVE" and len(body["secret"]) >= 40 and body["query"] == {"EQ_bizStep": "departing"}
    subscription = Subscription.objects.get(pk=body["id"])
    assert subscription.secret == body["secret"]
    assert AuditEntry.objects.filter(action="epcis.subscription.create", target_id=body["id"]).exists()
    assert body["secret"] not in json.dumps(list(AuditEntry.objects.values("data", "target_repr")))
    listed = client_for("regulator").get("/api/v1/epcis/subscriptions/").json()["results"]
    assert [s["id"] for s in listed] == [body["id"]] and "secret" not in listed[0]
    url = f"/api/v1/epcis/subscriptions/{body['id']}/"
    assert client_for("other_regulator").get(url).status_code == 404
    assert client_for("other_regulator").get("/api/v1/epcis/subscriptions/").json()["results"] == []
    assert client_for("superuser").get(url).status_code == 200
    for kind in ("supervisor", "outlet_staff", "device"):
        assert client_for(kind).get("/api/v1/epcis/subscriptions/").status_code == 403, kind
        assert subscribe(client_for(kind), "http://127.0.0.1:9/hook").status_code == 403, kind
    assert client_for("other_regulator").delete(url).status_code == 404
    assert client_for("regulator").delete(url).status_code == 204
    assert not Subscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "attr", "code"), [
    ({"dest": "ftp://127.0.0.1/x"}, "dest", "invalid_dest"),
    ({"dest": "http://agency.example/x"}, "dest", "invalid_dest"),  # http only to a receiver on this machine
    ({"dest": "http://user:pw@127.0.0.1/x"}, "dest", "invalid_dest"),
    ({"dest": "http://127.0.0.1/x", "query": {"EQ_nonsense": "x"}}, "query.EQ_nonsense", "invalid"),
    ({"dest": "http://127.0.0.1/x", "query": {"GE_eventTime": "yesterday"}}, "query.GE_eventTime", "invalid"),
])
def test_bad_subscriptions_are_refused(world, client_for, body, attr, code):
    response = client_for("regulator").post("/api/v1/epcis/subscriptions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr and response.json()["errors"][0]["code"] == code


@pytest.mark.django_db
@pytest.mark.parametrize("dest", ["http://127.0.0.1/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook",
                                  "https://169.254.169.254/latest/meta-data", "https://[::1]/hook",
                                  "https://192.168.1.1/hook"])
def test_in_production_only_public_https_destinations(world, client_for, settings, dest):
    settings.GREENSHIELD_EPCIS_ALLOW_LOCAL_WEBHOOKS = False
    response = subscribe(client_for("regulator"), dest)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_dest"


def scans(waybill: str, count: int, start: datetime.datetime) -> list[dict]:
    kinds = ["ARRIVED", "SORTED"] * count
    return [{"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": kind, "facility": "SH-HUB-01",
             "occurred_at": iso(start + datetime.timedelta(seconds=i))} for i, kind in enumerate(kinds[:count])]


@pytest.mark.django_db
def test_failures_back_off_then_stop_and_resume_loses_nothing(world, client_for, settings):
    settings.GREENSHIELD_EPCIS_SETTLE_SECONDS = 0
    settings.GREENSHIELD_EPCIS_MAX_FAILURES = 3
    with Receiver() as receiver:
        created = subscribe(client_for("regulator"), receiver.url).json()
        waybill = accept(client_for("outlet_staff"))["waybill_no"]
        accept(client_for("other_outlet_staff"))
        receiver.failing = True
        later = timezone.now() + datetime.timedelta(seconds=1)
        for attempt in range(1, 4):
            assert subscriptions.subscription_deliver(subscription_id=created["id"], now=later) == 0
            subscription = Subscription.objects.get(pk=created["id"])
            assert subscription.failures == attempt and subscription.last_error == "HTTP 503 from the receiver"
            assert subscription.next_attempt_at - later == subscriptions.backoff(attempt)
        assert subscription.status == SubscriptionStatus.DEAD and receiver.refused == 3
        assert subscriptions.subscriptions_queue(now=later + datetime.timedelta(days=1)) == 0  # a dead letter waits
        admin = client_for("superuser")
        admin.force_login(world.users["superuser"])
        page = admin.get("/admin/epcis/subscription/")
        assert page.status_code == 200 and "Stopped after repeated failures" in page.content.decode()
        receiver.failing = False
        resumed = client_for("regulator").post(f"/api/v1/epcis/subscriptions/{created['id']}/resume/")
        assert resumed.status_code == 200 and resumed.json()["status"] == "ACTIVE"
        assert client_for("other_regulator").post(
            f"/api/v1/epcis/subscriptions/{created['id']}/resume/").status_code == 404
        delivered = subscriptions.subscription_deliver(subscription_id=created["id"], now=later)
        ours = CheckpointEvent.objects.filter(parcel__waybill_no=waybill).count()
        assert delivered == ours == len(receiver.events()) == 2  # the acceptance and inspection, not YTO's
        assert receiver.signatures_valid(created["secret"])
        assert_valid(json.loads(receiver.deliveries[0]["body"]))
        assert receiver.deliveries[0]["subscription"] == created["id"]
        assert subscriptions.subscription_deliver(subscription_id=created["id"], now=later) == 0  # nothing twice
        assert len(receiver.deliveries) == 1


@pytest.mark.django_db
def test_delivery_follows_the_owners_scope_at_delivery_time(world, client_for, settings):
    settings.GREENSHIELD_EPCIS_SETTLE_SECONDS = 0
    with Receiver() as receiver:
        created = subscribe(client_for("regulator"), receiver.url).json()
        accept(client_for("outlet_staff"))
        regulator = world.users["regulator"]
        regulator.is_active = False
        regulator.save()
        later = timezone.now() + datetime.timedelta(seconds=1)
        assert subscriptions.subscription_deliver(subscription_id=created["id"], now=later) == 0
        assert receiver.deliveries == []


@pytest.fixture
def epcis_worker(monkeypatch, request):
    """The Celery worker with beat, polling subscriptions every half second, settling for one."""
    monkeypatch.setenv("GREENSHIELD_EPCIS_POLL_SECONDS", "0.5")
    monkeypatch.setenv("GREENSHIELD_EPCIS_SETTLE_SECONDS", "1")
    monkeypatch.setenv("GREENSHIELD_EPCIS_RETRY_BASE_SECONDS", "0.2")
    monkeypatch.setenv("GREENSHIELD_EPCIS_PAGE_SIZE", "7")
    monkeypatch.setenv("GREENSHIELD_EPCIS_MAX_FAILURES", "1000")
    return request.getfixturevalue("celery_worker")


@pytest.mark.django_db(transaction=True)
def test_every_event_reaches_the_receiver_exactly_once_across_an_outage(world, client_for, epcis_worker):
    with Receiver() as receiver:
        created = subscribe(client_for("regulator"), receiver.url).json()
        outlet, device = client_for("outlet_staff"), client_for("device")
        waybills = [accept(outlet)["waybill_no"] for _ in range(3)]
        for waybill in waybills:
            assert client_for("screener").post("/api/v1/screenings/", screening_body(waybill),
                                               format="json").status_code == 201
        accept(client_for("other_outlet_staff"))  # Jiangsu: not the Shanghai regulator's
        receiver.fail_next = 4  # the receiver is down at first
        start = timezone.now()
        post_events(device, scans(waybills[0], 10, start))

        def expected():
            return set(CheckpointEvent.objects.filter(parcel__waybill_no__in=waybills).values_list("hash", flat=True))

        wait_until(lambda: len(receiver.events()) == len(expected()), timeout=60, what="the first deliveries")
        assert receiver.refused == 4
        receiver.failing = True  # an outage while more scans arrive
        post_events(device, scans(waybills[1], 12, start + datetime.timedelta(minutes=1)))
        post_events(device, scans(waybills[2], 5, start + datetime.timedelta(minutes=2)))
        wait_until(lambda: receiver.refused >= 8, timeout=30, what="deliveries to fail during the outage")
        receiver.failing = False
        total = CheckpointEvent.objects.filter(parcel__waybill_no__in=waybills).count()
        wait_until(lambda: len(receiver.events()) >= total, timeout=90, what="every event after the outage")
        time.sleep(3)  # further polls must not deliver anything again
        event_ids = [e["eventID"] for e in receiver.events()]
        assert len(event_ids) == len(set(event_ids)) == total == 3 * 3 + 27
        assert {e["epcList"][0].rsplit("/", 1)[1] for e in receiver.events()} == set(waybills)
        assert receiver.signatures_valid(created["secret"])
        subscription = Subscription.objects.get(pk=created["id"])
        assert subscription.delivered_events == total and subscription.failures == 0
        assert subscription.status == SubscriptionStatus.ACTIVE
        recorded = [e["recordTime"] for e in receiver.events()]
        assert recorded == sorted(recorded)


@pytest.mark.django_db(transaction=True)
def test_a_link_whose_transaction_commits_late_is_not_skipped(require_postgres, world, client_for, settings):
    """The open implementations' lost-event bug: a capture recorded earlier but committed later than the page a
    cursor moved past. Deliveries wait for the oldest open transaction, so both arrive, in record-time order."""
    import threading

    from django.db import connection, transaction

    from apps.parcels.chain import LinkSpec, chain_append
    from apps.parcels.models import Parcel

    settings.GREENSHIELD_EPCIS_SETTLE_SECONDS = 0
    with Receiver() as receiver:
        created = subscribe(client_for("regulator"), receiver.url).json()
        first, second = (accept(client_for("outlet_staff"))["waybill_no"] for _ in range(2))

        def deliver():
            return subscriptions.subscription_deliver(subscription_id=created["id"],
                                                      now=timezone.now() + datetime.timedelta(seconds=1))

        assert deliver() == 4  # both parcels' acceptance and inspection
        started, release = threading.Event(), threading.Event()

        def slow_capture():
            try:
                with transaction.atomic():
                    parcel = Parcel.objects.select_for_update().get(waybill_no=first)
                    chain_append(parcel=parcel, links=[LinkSpec(type="EXCEPTION", occurred_at=timezone.now(),
                                                                detail={"reason": "OTHER"})])
                    started.set()
                    release.wait(20)
            finally:
                connection.close()

        thread = threading.Thread(target=slow_capture)
        thread.start()
        assert started.wait(20)
        post_events(client_for("device"), scans(second, 1, timezone.now()))  # recorded later, committed first
        assert deliver() == 0  # held back behind the open transaction
        release.set()
        thread.join(20)
        assert deliver() == 2
        events = receiver.events()
        assert [e["gs:eventType"] for e in events[-2:]] == ["EXCEPTION", "ARRIVED"]
        assert len({e["eventID"] for e in events}) == len(events) == 6
