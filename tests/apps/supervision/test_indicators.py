"""The service-quality indicators on a hand-built month: each one's numerator and denominator, from parcels
accepted in October 2026 at the ZTO Pudong outlet (Shanghai, a key city) for Nanjing (key city: 12 h promised),
Suzhou (another Delta city: 24 h) and Beijing (elsewhere: 72 h)."""
from __future__ import annotations

import datetime

import pytest

from apps.supervision import services
from greenshield.enums import InspectionResult
from tests.apps.supervision.month import BEIJING, NANJING, SUZHOU, accepted_on, at, delivered, exception, parcel

OCTOBER = datetime.date(2026, 10, 1)
INDICATORS = "/api/v1/stats/indicators/"


@pytest.fixture
def october(world):
    day = OCTOBER + datetime.timedelta(days=4)
    parcel(world, at(day), NANJING, delivered(10))  # key cities, within 12 h
    parcel(world, at(day), NANJING, delivered(15))  # key cities, late (12 h promised)
    parcel(world, at(day, 14), SUZHOU, delivered(20))  # Delta, within 24 h
    parcel(world, at(day + datetime.timedelta(days=10)), SUZHOU, delivered(30))  # Delta, late
    parcel(world, at(day), BEIJING, delivered(50))  # elsewhere, on time (72 h)
    parcel(world, at(day), BEIJING, [exception("DAMAGED"), ("DELIVERED", 60, {})])  # damaged, delivered on time
    parcel(world, at(day + datetime.timedelta(days=20)), BEIJING, [exception("LOST")])  # reported lost
    parcel(world, at(day), NANJING, [("ARRIVED", 1, {})])  # no scan since: lost after 7 days
    # Not in October: accepted on 1 November, delivered late; and a refusal, which is no parcel.
    parcel(world, at(datetime.date(2026, 11, 1), 1), NANJING, delivered(40))
    accepted_on(world.users["outlet_staff"], at(day), inspection={"result": InspectionResult.PROHIBITED_FOUND})
    services.rollup_changed()


def by_code(response) -> dict:
    assert response.status_code == 200, response.content
    return {i["code"]: i for i in response.json()["indicators"]}


def fraction(indicator) -> tuple[int, int]:
    return indicator["numerator"], indicator["denominator"]


def test_each_indicator_counts_its_numerator_and_denominator_over_the_month(october, client_for):
    got = by_code(client_for("regional_regulator").get(INDICATORS, {"month": "2026-10"}))
    assert fraction(got["delay_rate"]) == (2, 6)  # late: Nanjing 15 h, Suzhou 30 h — of six delivered
    assert fraction(got["damage_rate"]) == (1, 8)  # of eight accepted
    assert fraction(got["loss_rate"]) == (2, 8)  # reported lost + silent for more than 7 days
    assert fraction(got["key_cities_12h"]) == (1, 2)
    assert fraction(got["delta_24h"]) == (1, 2)
    delay = got["delay_rate"]
    assert (delay["unit"], delay["target"], delay["met"]) == ("‰", 2.0, False)
    assert delay["value"] == pytest.approx(2 / 6 * 1000, abs=1e-3)
    assert got["damage_rate"]["value"] == pytest.approx(12500.0) and got["damage_rate"]["unit"] == "per 100,000"
    assert (got["key_cities_12h"]["value"], got["key_cities_12h"]["met"]) == (50.0, False)


def test_a_range_and_the_company_and_province_filters(october, client_for):
    client = client_for("regional_regulator")
    november = by_code(client.get(INDICATORS, {"from": "2026-11-01", "to": "2026-11-30"}))
    assert fraction(november["delay_rate"]) == (1, 1)
    first_week = by_code(client.get(INDICATORS, {"from": "2026-10-01", "to": "2026-10-07"}))
    assert fraction(first_week["damage_rate"]) == (1, 6)
    assert fraction(by_code(client.get(INDICATORS, {"month": "2026-10", "organization": "YTO"}))["damage_rate"]) == (0, 0)
    assert fraction(by_code(client.get(INDICATORS, {"month": "2026-10", "province": "310000"}))["damage_rate"]) == (1, 8)
    assert fraction(by_code(client.get(INDICATORS, {"month": "2026-10", "province": "330000"}))["damage_rate"]) == (0, 0)


def test_an_empty_month_answers_zeros(world, client_for):
    got = by_code(client_for("regulator").get(INDICATORS, {"month": "2025-02"}))
    assert {code: (i["numerator"], i["denominator"], i["value"], i["met"]) for code, i in got.items()} == {
        code: (0, 0, 0.0, None) for code in ("delay_rate", "damage_rate", "loss_rate", "key_cities_12h", "delta_24h")}


def test_a_silent_parcel_counts_as_lost_only_once_its_silence_is_long_enough(world, client_for, settings):
    from apps.supervision.selectors import indicators, period_parse

    day = OCTOBER + datetime.timedelta(days=2)
    parcel(world, at(day), NANJING, [("ARRIVED", 1, {})])
    services.rollup_days([day])
    user, period = world.users["regional_regulator"], period_parse(month="2026-10")
    loss = {d: indicators(user=user, period=period, today=day + datetime.timedelta(days=d))["indicators"][2]
            for d in (7, 8)}
    assert (loss[7]["numerator"], loss[8]["numerator"]) == (0, 1)
