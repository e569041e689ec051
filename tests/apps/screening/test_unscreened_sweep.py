"""The periodic sweep [R11]: one alert per parcel still unscreened ``GREENSHIELD_UNSCREENED_MAX_HOURS`` after its
acceptance — never two — and the celery beat entry that runs it."""
from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from apps.common.models import OutboxMessage
from apps.compliance.models import Alert
from apps.parcels.models import Parcel
from apps.screening.services import unscreened_sweep
from apps.screening.tasks import unscreened_sweep_task
from config.celery import app as celery_app
from tests.helpers import accept, backdate_parcel, screening_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def twelve_hours(settings):
    settings.GREENSHIELD_UNSCREENED_MAX_HOURS = 12


def accepted_hours_ago(client_for, hours: float) -> str:
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    backdate_parcel(timezone.now() - datetime.timedelta(hours=hours), waybill_no=waybill)
    return waybill


def screen(client_for, waybill, result):
    response = screening_post(client_for("screener"), waybill, result)
    assert response.status_code == 201, response.content


def test_a_parcel_unscreened_for_13_hours_raises_one_alert(world, client_for):
    waybill = accepted_hours_ago(client_for, 13)

    assert unscreened_sweep() == 1

    alert = Alert.objects.get()
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (alert.kind, alert.severity, alert.status) == ("unscreened_overdue", "WARNING", "OPEN")
    assert (alert.parcel, alert.waybill_no, alert.organization, alert.facility) == (
        parcel, waybill, world.zto, world.zto_outlet)
    assert alert.detail == {"hours_since_acceptance": 13.0, "limit_hours": 12}
    assert alert.summary == f"{waybill}: no screening 13 h after acceptance"
    assert OutboxMessage.objects.filter(payload={"alert": str(alert.pk)}).count() == 1


def test_a_second_sweep_raises_nothing_more(world, client_for):
    accepted_hours_ago(client_for, 13)
    assert unscreened_sweep() == 1
    assert unscreened_sweep() == 0
    assert unscreened_sweep(now=timezone.now() + datetime.timedelta(days=2)) == 0
    assert Alert.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_a_resolved_overdue_alert_is_not_raised_again(world, client_for):
    accepted_hours_ago(client_for, 13)
    unscreened_sweep()
    Alert.objects.update(status="RESOLVED")
    assert unscreened_sweep() == 0


def test_recent_parcels_raise_nothing(world, client_for):
    accepted_hours_ago(client_for, 11)
    accept(client_for("outlet_staff"))
    assert unscreened_sweep() == 0
    assert not Alert.objects.exists()


@pytest.mark.parametrize("result", ["CLEAR", "SUSPECT"])
def test_screened_parcels_raise_no_overdue_alert(world, client_for, result):
    waybill = accepted_hours_ago(client_for, 13)
    screen(client_for, waybill, result)
    assert unscreened_sweep() == 0
    assert not Alert.objects.filter(kind="unscreened_overdue").exists()


def test_only_the_overdue_parcels_of_a_mixed_set_are_alerted(world, client_for):
    overdue = [accepted_hours_ago(client_for, hours) for hours in (13, 30)]
    screened = accepted_hours_ago(client_for, 20)
    screen(client_for, screened, "CLEAR")
    accepted_hours_ago(client_for, 2)
    yto = accept(client_for("other_outlet_staff"))["waybill_no"]
    backdate_parcel(timezone.now() - datetime.timedelta(hours=48), waybill_no=yto)

    assert unscreened_sweep() == 3
    alerts = Alert.objects.filter(kind="unscreened_overdue")
    assert set(alerts.values_list("waybill_no", flat=True)) == {*overdue, yto}
    assert alerts.get(waybill_no=yto).organization == world.yto


def test_the_limit_comes_from_the_setting_or_the_argument(world, client_for, settings):
    accepted_hours_ago(client_for, 5)
    assert unscreened_sweep(max_hours=6) == 0
    settings.GREENSHIELD_UNSCREENED_MAX_HOURS = 4
    assert unscreened_sweep() == 1
    assert Alert.objects.get().detail["limit_hours"] == 4


def test_the_task_runs_the_sweep(world, client_for):
    accepted_hours_ago(client_for, 13)
    assert unscreened_sweep_task.apply().get() == 1
    assert Alert.objects.filter(kind="unscreened_overdue").count() == 1


def test_beat_schedules_the_sweep_and_the_relay():
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["greenshield.unscreened_sweep"] == django_settings.GREENSHIELD_SWEEP_SECONDS > 0
    assert schedule["greenshield.outbox_relay"] == django_settings.GREENSHIELD_OUTBOX_RELAY_SECONDS > 0
    celery_app.loader.import_default_modules()
    assert {"greenshield.unscreened_sweep", "greenshield.outbox_relay"} <= set(celery_app.tasks)
    assert celery_app.conf.beat_schedule == django_settings.CELERY_BEAT_SCHEDULE
