"""Alert storms (issue 12, item 9): flagged scans raise alerts set-based and aggregated — one open alert per
(parcel, kind) with a count, a burst of one kind from one device collapsed into one device-level alert that alone
notifies people — and a scan stamped within the configured clock skew before the acceptance is not flagged."""
from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.common.models import OutboxMessage
from apps.compliance.models import Alert
from apps.compliance.services import alert_acknowledge
from apps.parcels.models import Parcel
from tests.helpers import accept, events_post, scan

pytestmark = pytest.mark.django_db

BEFORE = "event_before_acceptance"
BURST = "device_flag_burst"


def accepted(client_for, count: int) -> list[str]:
    outlet = client_for("outlet_staff")
    return [accept(outlet)["waybill_no"] for _ in range(count)]


def day_behind(waybills: list[str], per_parcel: int) -> list[dict]:
    """What a hub scanner whose clock is a day behind sends: every scan stamped before its parcel's acceptance."""
    at = timezone.now() - datetime.timedelta(days=1)
    return [scan(w, ("ARRIVED", "SORTED")[i % 2], occurred_at=at + datetime.timedelta(seconds=i))
            for i in range(per_parcel) for w in waybills]


def notified_ids() -> list[str]:
    return [alert_id for m in OutboxMessage.objects.filter(topic="alert.notify")
            for alert_id in m.payload.get("alerts") or [m.payload["alert"]]]


def test_a_batch_of_500_flagged_scans_raises_one_alert_per_parcel_and_one_burst_alert(world, client_for):
    waybills = accepted(client_for, 50)
    batch = day_behind(waybills, 10)
    assert len(batch) == 500
    device = client_for("device")

    body = events_post(device, batch)

    assert body["summary"]["accepted"] == 500
    assert all(r["flags"] == ["before_acceptance"] for r in body["results"])
    parcel_alerts = Alert.objects.filter(kind=BEFORE)
    assert parcel_alerts.count() == 50
    assert {(a.waybill_no, a.count, a.status) for a in parcel_alerts} == {(w, 10, "OPEN") for w in waybills}
    (burst,) = Alert.objects.filter(kind=BURST)
    assert burst.count == 500 and burst.status == "OPEN" and burst.parcel_id is None
    assert burst.facility == world.zto_hub and burst.organization == world.zto
    assert burst.detail["device"] == "SCN-ZTO-1" and burst.detail["flagged"] == BEFORE
    # Only the device-level alert goes to people's inboxes: 50 parcel alerts would be the storm again.
    assert notified_ids() == [str(burst.pk)]

    again = events_post(device, batch)

    assert again["summary"]["duplicates"] == 500
    assert Alert.objects.count() == 51
    assert set(Alert.objects.filter(kind=BEFORE).values_list("count", flat=True)) == {10}
    assert Alert.objects.get(kind=BURST).count == 500
    assert len(notified_ids()) == 1


def test_a_second_burst_adds_to_the_open_alerts(world, client_for):
    waybills = accepted(client_for, 5)
    device = client_for("device")
    events_post(device, day_behind(waybills, 6))
    events_post(device, day_behind(waybills, 6))
    assert {a.count for a in Alert.objects.filter(kind=BEFORE)} == {12}
    assert Alert.objects.get(kind=BURST).count == 60


def test_a_few_flagged_scans_notify_each_parcel_alert_and_raise_no_burst(world, client_for, settings):
    waybills = accepted(client_for, 3)
    events_post(client_for("device"), day_behind(waybills, 1))
    alerts = Alert.objects.filter(kind=BEFORE)
    assert alerts.count() == 3 and not Alert.objects.filter(kind=BURST).exists()
    assert sorted(notified_ids()) == sorted(str(a.pk) for a in alerts)


def test_the_burst_threshold_is_configurable(world, client_for, settings):
    settings.GREENSHIELD_ALERT_BURST_THRESHOLD = 3
    events_post(client_for("device"), day_behind(accepted(client_for, 3), 1))
    assert Alert.objects.get(kind=BURST).count == 3


def test_an_acknowledged_alert_no_longer_absorbs_new_occurrences(world, client_for):
    (waybill,) = accepted(client_for, 1)
    device = client_for("device")
    events_post(device, day_behind([waybill], 2))
    first = Alert.objects.get(kind=BEFORE)
    assert first.count == 2
    alert_acknowledge(alert=first, actor=world.users["supervisor"])

    events_post(device, day_behind([waybill], 1))

    fresh = Alert.objects.get(kind=BEFORE, status="OPEN")
    assert fresh.pk != first.pk and fresh.count == 1
    assert Alert.objects.get(pk=first.pk).count == 2


def test_raising_alerts_costs_the_same_queries_for_10_or_200_flagged_scans(require_postgres, world, client_for):
    device = client_for("device")
    small, large = day_behind(accepted(client_for, 10), 1), day_behind(accepted(client_for, 20), 10)
    counts = []
    for batch in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert events_post(device, batch)["summary"]["accepted"] == len(batch)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- clock skew --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("seconds_early", "skew", "flagged"), [
    (1, 120, False), (120, 120, False), (121, 120, True), (1, 0, True), (0, 0, False), (3600, 120, True),
])
def test_a_scan_within_the_clock_skew_before_the_acceptance_is_not_flagged(world, client_for, settings,
                                                                           seconds_early, skew, flagged):
    settings.GREENSHIELD_CLOCK_SKEW_SECONDS = skew
    (waybill,) = accepted(client_for, 1)
    accepted_at = Parcel.objects.get(waybill_no=waybill).accepted_at
    at = accepted_at - datetime.timedelta(seconds=seconds_early)
    (result,) = events_post(client_for("device"), [scan(waybill, occurred_at=at)])["results"]
    assert result["status"] == "ACCEPTED"
    assert (result["flags"] == ["before_acceptance"]) is flagged
    assert Alert.objects.filter(kind=BEFORE).exists() is flagged
