"""The compliance rules as pure functions [R11][R13]: flags on a scan, the outcome of an X-ray result, the status
a scan leads to and the overdue-screening test. No database."""
from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenshield import rules
from greenshield.enums import AlertKind, ParcelStatus, ScreeningStatus

UTC = datetime.UTC
ACCEPTED_AT = datetime.datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
SCAN_TYPES = ["ARRIVED", "SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED",
              "DELIVERY_FAILED", "EXCEPTION", "RETURNED"]
MOVEMENTS = ["SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED"]
NOT_MOVEMENTS = sorted(set(SCAN_TYPES) - set(MOVEMENTS))

statuses = st.sampled_from(list(ParcelStatus))
screening_statuses = st.sampled_from(list(ScreeningStatus))
scan_types = st.sampled_from(SCAN_TYPES)
after_acceptance = st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=30))


def facts(status=ParcelStatus.ACCEPTED, screening=ScreeningStatus.CLEAR, accepted_at=ACCEPTED_AT):
    return rules.ParcelFacts(status=status, screening_status=screening, accepted_at=accepted_at)


# --- event_flags -------------------------------------------------------------------------------------------

def test_the_rule_sets_name_the_designs_event_types():
    assert set(MOVEMENTS) == rules.MOVEMENT_TYPES
    assert rules.DISPATCH_TYPES == {"LOADED", "DEPARTED"}
    assert rules.DISPATCH_TYPES <= rules.MOVEMENT_TYPES


@pytest.mark.parametrize("event_type", ["LOADED", "DEPARTED"])
def test_dispatch_of_a_clear_parcel_carries_no_flag(event_type):
    for screening in (ScreeningStatus.CLEAR, ScreeningStatus.CLEARED):
        assert rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT + datetime.timedelta(hours=2),
                                 parcel=facts(ParcelStatus.IN_TRANSIT, screening)) == []


@given(event_type=scan_types, offset=st.timedeltas(min_value=datetime.timedelta(microseconds=1),
                                                   max_value=datetime.timedelta(days=30)))
def test_a_scan_before_the_acceptance_is_flagged(event_type, offset):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT - offset, parcel=facts())
    assert "before_acceptance" in flags


@given(event_type=scan_types, offset=after_acceptance)
def test_a_scan_at_or_after_the_acceptance_is_not_flagged_as_early(event_type, offset):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT + offset, parcel=facts())
    assert "before_acceptance" not in flags


SKEW = datetime.timedelta(seconds=120)


@given(event_type=scan_types, early=st.timedeltas(min_value=datetime.timedelta(0), max_value=SKEW))
def test_a_scan_within_the_clock_skew_before_the_acceptance_is_not_early(event_type, early):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT - early, parcel=facts(), clock_skew=SKEW)
    assert "before_acceptance" not in flags


@given(event_type=scan_types, beyond=st.timedeltas(min_value=datetime.timedelta(microseconds=1),
                                                   max_value=datetime.timedelta(days=2)))
def test_a_scan_beyond_the_clock_skew_before_the_acceptance_is_early(event_type, beyond):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT - SKEW - beyond, parcel=facts(),
                              clock_skew=SKEW)
    assert "before_acceptance" in flags


def test_a_whole_second_clock_one_second_early_is_not_early():
    stamped = ACCEPTED_AT.replace(microsecond=0) - datetime.timedelta(seconds=1)
    assert rules.event_flags(event_type="ARRIVED", occurred_at=stamped, parcel=facts(), clock_skew=SKEW) == []


@pytest.mark.parametrize(("event_type", "detail", "problems"), [
    ("DELIVERED", {"signed_by": "李四", "note": "13900139000"}, ["signed_by", "note"]),
    ("DELIVERED", {"received_by": "LOCKER", "point": "LOCKER-01"}, []),
    ("DELIVERED", {"received_by": "STATION", "point": "x"}, ["point"]),
    ("EXCEPTION", {"reason": "DAMAGED"}, []),
    ("EXCEPTION", {"reason": 7}, []),  # the caller's "required"
    ("DELIVERY_FAILED", {"reason": 7}, ["reason"]),
    ("SORTED", {"reason": "DAMAGED"}, ["reason"]),
])
def test_detail_errors_name_each_key_outside_the_allow_list(event_type, detail, problems):
    assert [key for key, _ in rules.detail_errors(event_type=event_type, detail=detail)] == problems


@pytest.mark.parametrize("event_type", MOVEMENTS)
def test_every_movement_of_a_parcel_on_hold_is_flagged(event_type):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT + datetime.timedelta(hours=1),
                              parcel=facts(ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT))
    assert "moved_while_on_hold" in flags


@pytest.mark.parametrize("event_type", NOT_MOVEMENTS)
def test_a_scan_that_is_not_a_movement_of_a_held_parcel_is_not_flagged_as_movement(event_type):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT + datetime.timedelta(hours=1),
                              parcel=facts(ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT))
    assert "moved_while_on_hold" not in flags


@given(status=statuses.filter(lambda s: s != ParcelStatus.ON_HOLD), event_type=scan_types,
       screening=screening_statuses)
def test_only_a_held_parcel_is_flagged_for_moving(status, event_type, screening):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT, parcel=facts(status, screening))
    assert "moved_while_on_hold" not in flags


@pytest.mark.parametrize("event_type", ["LOADED", "DEPARTED"])
@pytest.mark.parametrize("screening", [ScreeningStatus.PENDING, ScreeningStatus.SUSPECT, ScreeningStatus.SEIZED])
def test_dispatch_without_a_clear_screening_is_flagged(event_type, screening):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT + datetime.timedelta(hours=1),
                              parcel=facts(ParcelStatus.ACCEPTED, screening))
    assert flags == ["dispatch_without_clear_screening"]


@given(event_type=scan_types.filter(lambda t: t not in rules.DISPATCH_TYPES), screening=screening_statuses)
def test_only_a_dispatch_needs_a_clear_screening(event_type, screening):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT, parcel=facts(screening=screening))
    assert "dispatch_without_clear_screening" not in flags


def test_a_held_unscreened_parcel_loaded_before_its_acceptance_carries_all_three_flags():
    flags = rules.event_flags(event_type="LOADED", occurred_at=ACCEPTED_AT - datetime.timedelta(minutes=5),
                              parcel=facts(ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT))
    assert flags == ["before_acceptance", "moved_while_on_hold", "dispatch_without_clear_screening"]
    assert rules.alerts_for_flags(flags) == [AlertKind.EVENT_BEFORE_ACCEPTANCE, AlertKind.MOVEMENT_WHILE_ON_HOLD,
                                             AlertKind.DISPATCH_WITHOUT_SCREENING]


def test_unknown_flags_raise_no_alert():
    assert rules.alerts_for_flags([]) == []
    assert rules.alerts_for_flags(["something_else"]) == []


@given(event_type=scan_types, status=statuses, screening=screening_statuses,
       offset=st.timedeltas(min_value=datetime.timedelta(days=-30), max_value=datetime.timedelta(days=30)))
def test_every_flag_raises_exactly_its_alert(event_type, status, screening, offset):
    flags = rules.event_flags(event_type=event_type, occurred_at=ACCEPTED_AT + offset, parcel=facts(status, screening))
    assert len(set(flags)) == len(flags)
    assert rules.alerts_for_flags(flags) == [rules.FLAG_ALERTS[f] for f in flags]


# --- screening_outcome -------------------------------------------------------------------------------------

@given(status=statuses, screening=screening_statuses)
def test_a_suspect_result_holds_the_parcel_and_raises_a_suspect_alert(status, screening):
    assert rules.screening_outcome(result="SUSPECT", current_status=status, current_screening=screening) == (
        ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT, AlertKind.SUSPECT_SCREENING)


@given(status=statuses, screening=screening_statuses)
def test_a_prohibited_result_holds_the_parcel_and_raises_a_prohibited_alert(status, screening):
    assert rules.screening_outcome(result="PROHIBITED", current_status=status, current_screening=screening) == (
        ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT, AlertKind.PROHIBITED_SCREENING)


@pytest.mark.parametrize("status", [ParcelStatus.ACCEPTED, ParcelStatus.IN_TRANSIT])
def test_a_clear_result_on_an_unscreened_parcel_marks_it_clear_and_changes_nothing_else(status):
    assert rules.screening_outcome(result="CLEAR", current_status=status,
                                   current_screening=ScreeningStatus.PENDING) == (status, ScreeningStatus.CLEAR, None)


def test_a_clear_result_never_lifts_an_existing_hold():
    assert rules.screening_outcome(result="CLEAR", current_status=ParcelStatus.ON_HOLD,
                                   current_screening=ScreeningStatus.SUSPECT) == (
        ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT, None)


def test_a_clear_result_never_undoes_a_seizure():
    # Otherwise a seized parcel would read as clearly screened and could be dispatched without a flag.
    assert rules.screening_outcome(result="CLEAR", current_status=ParcelStatus.SEIZED,
                                   current_screening=ScreeningStatus.SEIZED) == (
        ParcelStatus.SEIZED, ScreeningStatus.SEIZED, None)


def test_a_clear_result_after_a_cleared_recheck_keeps_cleared():
    assert rules.screening_outcome(result="CLEAR", current_status=ParcelStatus.IN_TRANSIT,
                                   current_screening=ScreeningStatus.CLEARED) == (
        ParcelStatus.IN_TRANSIT, ScreeningStatus.CLEARED, None)


@given(status=statuses, screening=screening_statuses)
def test_a_clear_result_never_changes_the_parcel_status_nor_raises_an_alert(status, screening):
    new_status, new_screening, alert = rules.screening_outcome(result="CLEAR", current_status=status,
                                                               current_screening=screening)
    assert new_status == status and alert is None
    if screening in (ScreeningStatus.SUSPECT, ScreeningStatus.SEIZED, ScreeningStatus.CLEARED):
        assert new_screening == screening
    else:
        assert new_screening == ScreeningStatus.CLEAR


# --- status_after_event ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("event_type", "expected"), [
    ("ARRIVED", ParcelStatus.IN_TRANSIT), ("SORTED", ParcelStatus.IN_TRANSIT), ("LOADED", ParcelStatus.IN_TRANSIT),
    ("DEPARTED", ParcelStatus.IN_TRANSIT), ("UNLOADED", ParcelStatus.IN_TRANSIT),
    ("HANDOVER", ParcelStatus.IN_TRANSIT), ("OUT_FOR_DELIVERY", ParcelStatus.OUT_FOR_DELIVERY),
    ("DELIVERED", ParcelStatus.DELIVERED), ("DELIVERY_FAILED", ParcelStatus.IN_TRANSIT),
    ("EXCEPTION", ParcelStatus.EXCEPTION), ("RETURNED", ParcelStatus.RETURNED),
])
def test_an_accepted_parcels_status_follows_its_scans(event_type, expected):
    assert rules.status_after_event(event_type=event_type, current_status=ParcelStatus.ACCEPTED) == expected


@given(event_type=scan_types, held=st.sampled_from([ParcelStatus.ON_HOLD, ParcelStatus.SEIZED]))
def test_no_scan_lifts_a_hold_or_a_seizure(event_type, held):
    assert rules.status_after_event(event_type=event_type, current_status=held) == held


@given(status=statuses, event_type=st.sampled_from(["ACCEPTED", "INSPECTED", "SCREENED", "RECHECKED", "UNKNOWN"]))
def test_a_link_that_is_not_a_scan_leaves_the_status_alone(status, event_type):
    assert rules.status_after_event(event_type=event_type, current_status=status) == status


@given(status=statuses, event_type=scan_types)
def test_the_status_after_a_scan_is_always_a_parcel_status(status, event_type):
    assert rules.status_after_event(event_type=event_type, current_status=status) in set(ParcelStatus)


# --- unscreened_overdue ------------------------------------------------------------------------------------

@given(elapsed=st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=60)),
       max_hours=st.floats(min_value=0.5, max_value=72, allow_nan=False),
       screening=screening_statuses)
def test_overdue_means_pending_and_strictly_older_than_the_limit(elapsed, max_hours, screening):
    now = ACCEPTED_AT + elapsed
    overdue = rules.unscreened_overdue(accepted_at=ACCEPTED_AT, screening_status=screening, now=now,
                                       max_hours=max_hours)
    assert overdue == (screening == ScreeningStatus.PENDING and elapsed > datetime.timedelta(hours=max_hours))


def test_overdue_at_the_boundary():
    def overdue(hours, screening=ScreeningStatus.PENDING):
        return rules.unscreened_overdue(accepted_at=ACCEPTED_AT, screening_status=screening,
                                        now=ACCEPTED_AT + datetime.timedelta(hours=hours), max_hours=12)

    assert not overdue(11.99)
    assert not overdue(12)
    assert overdue(12.01)
    assert overdue(13)
    for screening in (ScreeningStatus.CLEAR, ScreeningStatus.SUSPECT, ScreeningStatus.CLEARED,
                      ScreeningStatus.SEIZED):
        assert not overdue(100, screening)


# --- status in the order scans happened -------------------------------------------------------------------

def test_a_late_scan_that_happened_earlier_does_not_move_the_status():
    delivered_at = ACCEPTED_AT + datetime.timedelta(hours=20)
    status, since = rules.status_transition(event_type="ARRIVED", current_status=ParcelStatus.DELIVERED,
                                            occurred_at=delivered_at - datetime.timedelta(hours=5),
                                            status_since=delivered_at)
    assert (status, since) == (ParcelStatus.DELIVERED, delivered_at)


def test_a_scan_that_happened_later_moves_the_status_and_its_time():
    at = ACCEPTED_AT + datetime.timedelta(hours=2)
    assert rules.status_transition(event_type="OUT_FOR_DELIVERY", current_status=ParcelStatus.IN_TRANSIT,
                                   occurred_at=at, status_since=ACCEPTED_AT) == (ParcelStatus.OUT_FOR_DELIVERY, at)


@given(event_type=scan_types, minutes=st.integers(min_value=-600, max_value=600))
def test_status_since_never_goes_backwards(event_type, minutes):
    since = ACCEPTED_AT + datetime.timedelta(hours=10)
    _, new_since = rules.status_transition(event_type=event_type, current_status=ParcelStatus.IN_TRANSIT,
                                           occurred_at=since + datetime.timedelta(minutes=minutes), status_since=since)
    assert new_since >= since
