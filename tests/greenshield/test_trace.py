"""Custody and vehicle legs read from a parcel's facts in time order — pure rules, no database."""
from __future__ import annotations

import datetime

from greenshield.trace import ROLE_OF_TYPE, Custody, Fact, Leg, custody_intervals, vehicle_legs

T0 = datetime.datetime(2026, 11, 29, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def facts(*rows) -> list[Fact]:
    """(minute, type, keyword facts) → Fact list."""
    return [Fact(kind, at(minute), **extra) for minute, kind, extra in rows]


# --- custody ----------------------------------------------------------------------------------------------------

def test_a_whole_journey():
    intervals = custody_intervals(facts(
        (0, "ACCEPTED", {"courier": "E1", "facility": "OUT"}),
        (0, "INSPECTED", {"courier": "E1", "facility": "OUT"}),
        (5, "SCREENED", {"courier": "X1", "facility": "HUB"}),
        (30, "ARRIVED", {"facility": "HUB"}),
        (40, "LOADED", {"vehicle": "沪A12345", "facility": "HUB"}),
        (50, "DEPARTED", {"vehicle": "沪A12345", "facility": "HUB"}),
        (90, "UNLOADED", {"vehicle": "沪A12345", "facility": "ST"}),
        (100, "HANDOVER", {"courier": "E2", "facility": "ST"}),
        (110, "OUT_FOR_DELIVERY", {"courier": "E2"}),
        (130, "DELIVERED", {"courier": "E2"}),
    ))

    assert intervals == [Custody("E1", at(0), at(30), "ARRIVED"), Custody("E2", at(100), at(130), "DELIVERED")]


def test_inspection_and_screening_do_not_take_custody():
    intervals = custody_intervals(facts((0, "INSPECTED", {"courier": "E1"}), (5, "SCREENED", {"courier": "X1"}),
                                        (6, "RECHECKED", {"courier": "X1"})))

    assert intervals == []


def test_handover_chain_between_couriers():
    intervals = custody_intervals(facts(
        (0, "HANDOVER", {"courier": "E1"}),
        (10, "HANDOVER", {"courier": "E2"}),
        (20, "HANDOVER", {"courier": "E3"}),
        (30, "OUT_FOR_DELIVERY", {"courier": "E3"}),
        (40, "DELIVERED", {"courier": "E3"}),
    ))

    assert intervals == [Custody("E1", at(0), at(10), "HANDOVER"), Custody("E2", at(10), at(20), "HANDOVER"),
                         Custody("E3", at(20), at(40), "DELIVERED")]


def test_a_repeated_scan_by_the_holder_keeps_one_interval():
    intervals = custody_intervals(facts((0, "HANDOVER", {"courier": "E1"}), (5, "HANDOVER", {"courier": "E1"}),
                                        (10, "OUT_FOR_DELIVERY", {"courier": "E1"})))

    assert intervals == [Custody("E1", at(0))]  # still holding it: no end


def test_delivery_failed_then_delivered_next_day():
    intervals = custody_intervals(facts(
        (0, "OUT_FOR_DELIVERY", {"courier": "E1"}),
        (60, "DELIVERY_FAILED", {"courier": "E1"}),
        (60 * 24, "OUT_FOR_DELIVERY", {"courier": "E1"}),
        (60 * 25, "DELIVERED", {"courier": "E1"}),
    ))

    assert intervals == [Custody("E1", at(0), at(60 * 25), "DELIVERED")]


def test_delivery_failed_back_at_the_station_then_another_courier_delivers():
    intervals = custody_intervals(facts(
        (0, "OUT_FOR_DELIVERY", {"courier": "E1"}),
        (60, "DELIVERY_FAILED", {"courier": "E1"}),
        (90, "ARRIVED", {"facility": "ST"}),
        (60 * 24, "OUT_FOR_DELIVERY", {"courier": "E2"}),
        (60 * 25, "DELIVERED", {"courier": "E2"}),
    ))

    assert intervals == [Custody("E1", at(0), at(90), "ARRIVED"), Custody("E2", at(60 * 24), at(60 * 25), "DELIVERED")]


def test_a_failed_attempt_reported_by_another_courier_moves_custody():
    intervals = custody_intervals(facts((0, "OUT_FOR_DELIVERY", {"courier": "E1"}),
                                        (30, "DELIVERY_FAILED", {"courier": "E2"})))

    assert intervals == [Custody("E1", at(0), at(30), "DELIVERY_FAILED"), Custody("E2", at(30))]


def test_delivered_by_a_courier_who_never_scanned_it_in():
    intervals = custody_intervals(facts((0, "OUT_FOR_DELIVERY", {"courier": "E1"}),
                                        (30, "DELIVERED", {"courier": "E2"})))

    assert intervals == [Custody("E1", at(0), at(30), "DELIVERED"), Custody("E2", at(30), at(30), "DELIVERED")]


def test_delivered_without_any_custody_before():
    assert custody_intervals(facts((30, "DELIVERED", {"courier": "E2"}))) == [
        Custody("E2", at(30), at(30), "DELIVERED")]


def test_delivered_without_a_courier_ends_the_custody():
    intervals = custody_intervals(facts((0, "OUT_FOR_DELIVERY", {"courier": "E1"}), (30, "DELIVERED", {})))

    assert intervals == [Custody("E1", at(0), at(30), "DELIVERED")]


def test_each_custody_ending_scan_ends_it():
    for ending in ("ARRIVED", "SORTED", "LOADED", "UNLOADED", "RETURNED"):
        intervals = custody_intervals(facts((0, "HANDOVER", {"courier": "E1"}), (10, ending, {"facility": "HUB"})))
        assert intervals == [Custody("E1", at(0), at(10), ending)], ending


def test_departure_and_exceptions_do_not_end_custody():
    intervals = custody_intervals(facts((0, "HANDOVER", {"courier": "E1"}), (10, "DEPARTED", {"vehicle": "沪A12345"}),
                                        (20, "EXCEPTION", {})))

    assert intervals == [Custody("E1", at(0))]


def test_taking_scans_without_a_courier_are_ignored():
    intervals = custody_intervals(facts((0, "HANDOVER", {}), (10, "OUT_FOR_DELIVERY", {}), (20, "ARRIVED", {})))

    assert intervals == []


def test_an_ending_scan_with_nobody_holding_it_changes_nothing():
    intervals = custody_intervals(facts((0, "ARRIVED", {}), (5, "HANDOVER", {"courier": "E1"}), (10, "SORTED", {}),
                                        (20, "LOADED", {"vehicle": "沪A12345"})))

    assert intervals == [Custody("E1", at(5), at(10), "SORTED")]


def test_no_facts_no_custody():
    assert custody_intervals([]) == [] and vehicle_legs([]) == []


# --- vehicle legs -----------------------------------------------------------------------------------------------

def test_a_leg_loaded_departed_unloaded():
    legs = vehicle_legs(facts(
        (0, "ARRIVED", {"facility": "HUB"}),
        (10, "LOADED", {"vehicle": "沪A12345", "facility": "HUB"}),
        (20, "DEPARTED", {"vehicle": "沪A12345", "facility": "HUB"}),
        (80, "UNLOADED", {"vehicle": "沪A12345", "facility": "ST"}),
    ))

    assert legs == [Leg("沪A12345", at(10), "HUB", at(20), at(80), "ST")]


def test_loading_on_two_vehicles_one_after_the_other():
    legs = vehicle_legs(facts(
        (10, "LOADED", {"vehicle": "沪A12345", "facility": "HUB1"}),
        (20, "DEPARTED", {"vehicle": "沪A12345"}),
        (80, "UNLOADED", {"vehicle": "沪A12345", "facility": "HUB2"}),
        (90, "LOADED", {"vehicle": "苏B00001", "facility": "HUB2"}),
        (95, "DEPARTED", {"vehicle": "苏B00001"}),
        (150, "UNLOADED", {"vehicle": "苏B00001", "facility": "ST"}),
    ))

    assert legs == [Leg("沪A12345", at(10), "HUB1", at(20), at(80), "HUB2"),
                    Leg("苏B00001", at(90), "HUB2", at(95), at(150), "ST")]


def test_moved_to_a_second_vehicle_without_unloading_the_first():
    legs = vehicle_legs(facts(
        (10, "LOADED", {"vehicle": "沪A12345", "facility": "HUB1"}),
        (30, "LOADED", {"vehicle": "苏B00001", "facility": "HUB1"}),
        (90, "UNLOADED", {"vehicle": "苏B00001", "facility": "ST"}),
    ))

    assert legs == [Leg("沪A12345", at(10), "HUB1"), Leg("苏B00001", at(30), "HUB1", None, at(90), "ST")]


def test_unload_without_load():
    legs = vehicle_legs(facts((80, "UNLOADED", {"vehicle": "沪A12345", "facility": "ST"})))

    assert legs == [Leg("沪A12345", None, None, None, at(80), "ST")]


def test_departure_without_load_still_names_the_vehicle_and_is_closed_by_its_unloading():
    legs = vehicle_legs(facts((20, "DEPARTED", {"vehicle": "沪A12345"}),
                              (80, "UNLOADED", {"vehicle": "沪A12345", "facility": "ST"})))

    assert legs == [Leg("沪A12345", None, None, at(20), at(80), "ST")]


def test_the_first_departure_counts():
    legs = vehicle_legs(facts((10, "LOADED", {"vehicle": "沪A12345", "facility": "HUB"}),
                              (20, "DEPARTED", {"vehicle": "沪A12345"}), (25, "DEPARTED", {"vehicle": "沪A12345"})))

    assert legs == [Leg("沪A12345", at(10), "HUB", at(20))]


def test_the_same_vehicle_twice_gives_two_legs():
    legs = vehicle_legs(facts(
        (10, "LOADED", {"vehicle": "沪A12345", "facility": "HUB"}),
        (80, "UNLOADED", {"vehicle": "沪A12345", "facility": "ST"}),
        (200, "LOADED", {"vehicle": "沪A12345", "facility": "ST"}),
        (260, "UNLOADED", {"vehicle": "沪A12345", "facility": "HUB"}),
    ))

    assert legs == [Leg("沪A12345", at(10), "HUB", None, at(80), "ST"),
                    Leg("沪A12345", at(200), "ST", None, at(260), "HUB")]


def test_loaded_twice_without_unloading_opens_a_new_leg_and_the_unloading_closes_the_latest():
    legs = vehicle_legs(facts(
        (10, "LOADED", {"vehicle": "沪A12345", "facility": "HUB"}),
        (15, "LOADED", {"vehicle": "沪A12345", "facility": "HUB"}),
        (80, "UNLOADED", {"vehicle": "沪A12345", "facility": "ST"}),
    ))

    assert legs == [Leg("沪A12345", at(10), "HUB"), Leg("沪A12345", at(15), "HUB", None, at(80), "ST")]


def test_facts_without_a_vehicle_are_not_legs():
    legs = vehicle_legs(facts((0, "ARRIVED", {"facility": "HUB"}), (5, "HANDOVER", {"courier": "E1"}),
                              (10, "LOADED", {})))

    assert legs == []


# --- roles --------------------------------------------------------------------------------------------------

def test_every_link_type_has_a_role():
    link_types = {"ACCEPTED", "INSPECTED", "SCREENED", "RECHECKED", "ARRIVED", "SORTED", "LOADED", "DEPARTED",
                  "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED", "DELIVERY_FAILED", "EXCEPTION", "RETURNED"}

    assert set(ROLE_OF_TYPE) == link_types
    assert (ROLE_OF_TYPE["ACCEPTED"], ROLE_OF_TYPE["INSPECTED"], ROLE_OF_TYPE["SCREENED"]) == (
        "accepted", "inspected", "screened")
    assert ROLE_OF_TYPE["HANDOVER"] == ROLE_OF_TYPE["OUT_FOR_DELIVERY"] == "carried"
    assert ROLE_OF_TYPE["DELIVERED"] == "delivered"
