"""Rollups: what one day's records become, recomputed the same way each time, and kept up to date by the beat's
incremental run (the days whose records changed since the last run)."""
from __future__ import annotations

import datetime

import pytest

from apps.compliance.models import Alert
from apps.compliance.services import alert_acknowledge
from apps.parcels.models import Parcel
from apps.screening.services import screening_resolve
from apps.supervision import services
from apps.supervision.models import (
    ComplianceCompanyDay,
    ComplianceDay,
    ComplianceMonth,
    DeliveryDay,
    OpenParcelsDay,
    RiskDay,
    RollupState,
)
from greenshield.enums import AlertKind, ScreeningResult
from tests.apps.supervision.month import NANJING, at, delivered, parcel
from tests.factories import ScreeningFactory
from tests.helpers import accept_as, device_client, events_post, scan
from tests.journeys import zto_vehicle

STATS = "/api/v1/stats/compliance/"
ROLLUPS = (ComplianceDay, ComplianceCompanyDay, ComplianceMonth, DeliveryDay, OpenParcelsDay, RiskDay)


def snapshot() -> dict:
    """Every rollup row without its id, in a stable order."""
    return {model.__name__: sorted((tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
                                    for row in model.objects.values()), key=str) for model in ROLLUPS}


@pytest.fixture
def busy_day(world, client_for):
    """Today at the ZTO Pudong outlet and hub: two parcels accepted and a refusal for an identity mismatch; one
    parcel X-rayed SUSPECT and seized at the re-check, its alert acknowledged; one screened CLEAR then loaded, one
    loaded without a screening."""
    outlet = world.users["outlet_staff"]
    seized = accept_as(outlet)
    clear = accept_as(outlet)
    accept_as(outlet, verification={"identity_matched": False})
    unscreened = accept_as(outlet)
    screening = ScreeningFactory(actor=world.users["screener"], waybill_no=seized.waybill_no,
                                 result=ScreeningResult.SUSPECT)
    alert = Alert.objects.get(kind=AlertKind.SUSPECT_SCREENING, parcel__waybill_no=seized.waybill_no)
    alert_acknowledge(alert=alert, actor=world.users["supervisor"], note="looking")
    screening_resolve(user=world.users["supervisor"], screening=screening, result="SEIZED", notes="开箱：管制刀具")
    ScreeningFactory(actor=world.users["screener"], waybill_no=clear.waybill_no)
    zto_vehicle(world)
    events_post(device_client(world.zto_device), [scan(clear.waybill_no, "LOADED"), scan(unscreened.waybill_no, "LOADED")])
    return services.china_today()


def test_a_days_counts_per_facility(busy_day, client_for):
    services.rollup_days([busy_day])
    body = client_for("supervisor").get(STATS, {"from": busy_day.isoformat(), "to": busy_day.isoformat(),
                                                 "group_by": "facility"}).json()
    rows = {row["key"]: row for row in body["rows"]}
    outlet, hub = rows["SH-PD-01"], rows["SH-HUB-01"]
    assert (outlet["acceptances"], outlet["refused"], outlet["refusals"]) == (3, 1, {"identity_mismatch": 1})
    assert (outlet["real_name_verified"], outlet["inspection_passed"], outlet["inspection_failed"]) == (3, 4, 0)
    assert hub["screenings"] == {"CLEAR": 1, "SUSPECT": 1}
    assert (hub["holds"], hub["seizures"]) == (1, 1)
    assert (hub["screened_before_dispatch"], hub["dispatched_unscreened"]) == (1, 1)
    assert hub["alerts"] == {"dispatch_without_screening": 1, "seizure_reported": 1, "suspect_screening": 1}
    assert hub["scans"]["LOADED"] == 2 and hub["scans"]["SCREENED"] == 2 and hub["scans"]["RECHECKED"] == 1
    assert hub["ack_p50_s"] is not None and hub["ack_p50_s"] <= 5 and hub["resolve_p90_s"] is not None
    totals = body["totals"]
    assert (totals["acceptances"], totals["refused"], totals["holds"]) == (3, 1, 1)
    assert totals["real_name_rate"] == 75.0 and totals["screened_rate"] == 50.0


def test_recomputing_a_day_gives_the_same_rows(busy_day, world):
    services.rollup_days([busy_day])
    first = snapshot()
    assert first["ComplianceDay"] and first["ComplianceMonth"] and first["DeliveryDay"] and first["RiskDay"]
    services.rollup_days([busy_day])
    services.rollup_days([busy_day])
    assert snapshot() == first
    accept_as(world.users["outlet_staff"])  # a new record changes the day, and only then
    services.rollup_days([busy_day])
    assert snapshot() != first
    assert ComplianceDay.objects.get(day=busy_day, facility=world.zto_outlet).acceptances == 4


def test_the_beat_recomputes_the_days_whose_records_changed(world, settings):
    settings.GREENSHIELD_ROLLUP_MARGIN_SECONDS = 0  # (a real run also looks back a margin for late commits)
    october = datetime.date(2026, 10, 5)
    parcel(world, at(october), NANJING, [("ARRIVED", 1, {})])
    first = services.rollup_changed()
    assert first["days"] >= 59 and RollupState.objects.get().days_last_run == first["days"]
    assert services.rollup_changed()["days"] == 0  # nothing new
    # A late scan recorded now for a parcel accepted in October: its day and the acceptance day are recomputed.
    waybill = Parcel.objects.get().waybill_no
    events_post(device_client(world.zto_device), [scan(waybill, "DELIVERED", at(october, 30), courier="E1001")])
    run = services.rollup_changed()
    assert run["days"] == 2  # 5 October (accepted) and 6 October (delivered)
    route = DeliveryDay.objects.get(day=october)
    assert (route.accepted, route.delivered, route.within_24h) == (1, 1, 1)
    assert ComplianceMonth.objects.get(month=october.replace(day=1), facility=world.zto_hub).scans == {
        "ARRIVED": 1, "DELIVERED": 1}


def test_the_rollup_command_shows_progress_and_is_idempotent(world, capsys):
    from django.core.management import call_command

    october = datetime.date(2026, 10, 5)
    parcel(world, at(october), NANJING, delivered(10))
    call_command("rollup", "--since", "2026-10-01", "--until", "2026-10-31")
    out = capsys.readouterr()
    assert "Rolled up 31 days (2026-10-01 – 2026-10-31)" in out.out
    assert "31/31" in out.err  # the progress bar
    first = snapshot()
    call_command("rollup", "--since", "2026-10-01", "--until", "2026-10-31", verbosity=0)
    assert snapshot() == first


def test_the_beat_task_runs_the_incremental_rollup(world):
    from apps.supervision.tasks import supervision_rollup_task

    parcel(world, at(datetime.date(2026, 11, 20)), NANJING, delivered(5))
    assert supervision_rollup_task.apply().get()["days"] >= 12  # as the worker runs it
    assert DeliveryDay.objects.get(day=datetime.date(2026, 11, 20)).within_12h == 1


def test_one_run_at_a_time(require_postgres, transactional_db):
    """While a run holds the lock, another run does nothing (beat may fire again before a long run ends)."""
    import threading

    from django.db import connections, transaction

    from apps.common.locks import xact_try_lock

    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                assert xact_try_lock("rollup", "run")
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(30)
    try:
        assert services.rollup_changed() is None
    finally:
        release.set()
        thread.join(30)
    assert services.rollup_changed() is not None
