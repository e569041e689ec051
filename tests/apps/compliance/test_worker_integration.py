"""Alerts through a real Celery worker and Redis: delivered once each, and nothing lost while Redis is down."""
from __future__ import annotations

import time

import pytest

from apps.common.models import OutboxMessage
from apps.compliance.models import Alert, Notification
from apps.compliance.services import alert_recipients
from apps.parcels.models import Parcel
from tests.helpers import accept, acceptance_body, acceptance_post, screening_post
from tests.services import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def all_delivered():
    return not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


def test_suspect_screening_holds_parcel_and_alert_reaches_the_supervisor_once(world, client_for, celery_worker):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    response = screening_post(client_for("screener"), waybill, "SUSPECT")
    assert response.status_code == 201
    assert response.json()["parcel_status"] == "ON_HOLD"

    alert = Alert.objects.get()
    assert alert.kind == "suspect_screening" and alert.parcel.waybill_no == waybill
    wait_until(lambda: Alert.objects.get(pk=alert.pk).notified_at, what="the worker to notify",
               timeout=30)
    assert list(Notification.objects.filter(alert=alert).values_list("recipient__username", flat=True)) == [
        "zto_supervisor"]

    screening_id = response.json()["id"]
    resolution = client_for("supervisor").post(f"/api/v1/screenings/{screening_id}/resolution/",
                                               {"result": "CLEARED", "notes": "书籍，无异常"}, format="json")
    assert resolution.status_code == 201
    assert Parcel.objects.get(waybill_no=waybill).status == "ACCEPTED"
    assert Alert.objects.get(pk=alert.pk).status == "RESOLVED"
    time.sleep(2)  # give the relay a few rounds to (wrongly) deliver anything twice
    assert Notification.objects.filter(alert=alert).count() == 1
    assert Alert.objects.count() == 1


def test_requests_succeed_while_redis_is_down_and_every_alert_is_delivered_once_after(
        world, client_for, celery_worker, redis_server):
    outlet, screener = client_for("outlet_staff"), client_for("screener")
    waybills = [accept(outlet)["waybill_no"] for _ in range(3)]
    wait_until(all_delivered, what="the warm-up to settle", timeout=30)

    redis_server.stop()
    started = time.monotonic()
    for waybill in waybills:
        response = screening_post(screener, waybill, "SUSPECT")
        assert response.status_code == 201, response.content
    refused = acceptance_post(outlet, acceptance_body(inspection={"sender_present": True,
                                                                  "result": "PROHIBITED_FOUND"}))
    assert refused.status_code == 201 and refused.json()["outcome"] == "REFUSED"
    assert time.monotonic() - started < 20, "a broker outage must not stall requests"
    assert Alert.objects.count() == 4
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 4
    time.sleep(2)
    assert Notification.objects.count() == 0  # nothing can be delivered while the broker is down

    redis_server.start()
    wait_until(all_delivered, timeout=60, what="pending alerts to be delivered after Redis returned")
    time.sleep(3)  # further relay rounds must not deliver again
    expected = {alert.pk: len(alert_recipients(alert)) for alert in Alert.objects.all()}
    for alert in Alert.objects.all():
        assert alert.notified_at is not None
        assert Notification.objects.filter(alert=alert).count() == expected[alert.pk] >= 1
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
