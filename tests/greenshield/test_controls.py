"""Controls under the chain, without a database: the control rows and the parcel's statuses compared with the
links, the statuses replayed through the rules."""
from __future__ import annotations

import datetime

from greenshield import controls

T0 = datetime.datetime(2026, 11, 29, 8, 0, tzinfo=datetime.UTC)


def links(*extra):
    base = [
        controls.Link(1, "ACCEPTED", T0, {"acceptance": "a1", "weight_g": 1200, "recipient_region_code": "320102",
                                          "real_name": {"method": "ID_CARD_READER", "identity_matched": True,
                                                        "sender": "s1", "contract_customer": False}}),
        controls.Link(2, "INSPECTED", T0, {"result": "PASS", "sender_present": True, "safety_certificate_ref": ""}),
    ]
    return base + list(extra)


def recorded(**overrides):
    values = dict(acceptance_id="a1", status="ACCEPTED", screening_status="PENDING", contract_customer=False,
                  weight_g=1200, recipient_region_code="320102",
                  inspection={"result": "PASS", "sender_present": True, "safety_certificate_ref": ""},
                  real_name={"method": "ID_CARD_READER", "identity_matched": True, "contract_customer": False,
                             "sender": "s1"})
    values.update(overrides)
    return controls.Recorded(**values)


def screened(seq, sid, result, minutes=1):
    return controls.Link(seq, "SCREENED", T0 + datetime.timedelta(minutes=minutes),
                         {"screening": sid, "result": result, "machine_id": "XR-01", "image_ref": "x",
                          "image_sha256": "ab" * 32})


def screening_row(result):
    return {"result": result, "machine_id": "XR-01", "image_ref": "x", "image_sha256": "ab" * 32}


def fields(mismatches):
    return [m.field for m in mismatches]


def test_agreeing_records_have_no_mismatch():
    chain = links(screened(3, "x1", "SUSPECT"),
                  controls.Link(4, "RECHECKED", T0 + datetime.timedelta(minutes=5),
                                {"screening": "x1", "result": "CLEARED", "authority_report_ref": ""}),
                  controls.Link(5, "LOADED", T0 + datetime.timedelta(minutes=9), {}))
    rows = recorded(status="IN_TRANSIT", screening_status="CLEARED", screenings={"x1": screening_row("SUSPECT")},
                    resolutions={"x1": {"result": "CLEARED", "authority_report_ref": ""}})
    assert controls.controls_compare(chain, rows) == []


def test_a_suspect_screening_rewritten_to_clear_is_named():
    """Issue 13: UPDATE the screening row to CLEAR and the parcel's screening_status to CLEAR."""
    chain = links(screened(3, "x1", "SUSPECT"))
    rows = recorded(status="ACCEPTED", screening_status="CLEAR", screenings={"x1": screening_row("CLEAR")})
    assert fields(controls.controls_compare(chain, rows)) == [
        "screening[x1].result", "parcel.status", "parcel.screening_status"]


def test_each_control_row_is_compared():
    chain = links()
    rows = recorded(inspection={"result": "PROHIBITED_FOUND", "sender_present": True, "safety_certificate_ref": ""},
                    real_name={"method": "ID_CARD_READER", "identity_matched": False, "contract_customer": False,
                               "sender": "s2"}, weight_g=1, screenings={"ghost": screening_row("CLEAR")})
    assert fields(controls.controls_compare(chain, rows)) == [
        "acceptance.weight_g", "real_name.identity_matched", "real_name.sender", "inspection.result",
        "screening[ghost]"]


def test_a_missing_row_and_a_missing_resolution_are_named():
    chain = links(screened(3, "x1", "PROHIBITED"),
                  controls.Link(4, "RECHECKED", T0, {"screening": "x1", "result": "SEIZED",
                                                     "authority_report_ref": "RPT-1"}))
    rows = recorded(status="SEIZED", screening_status="SEIZED", inspection=None)
    assert fields(controls.controls_compare(chain, rows)) == ["inspection", "screening[x1]", "resolution[x1]"]


def test_statuses_replay_like_the_services():
    hold = links(screened(3, "x1", "SUSPECT"), screened(4, "x2", "SUSPECT", minutes=2),
                 controls.Link(5, "RECHECKED", T0, {"screening": "x1", "result": "CLEARED"}))
    assert controls.replay_status(hold) == ("ON_HOLD", "SUSPECT")  # x2 still holds it
    late = links(controls.Link(3, "DELIVERED", T0 + datetime.timedelta(hours=2), {}),
                 controls.Link(4, "ARRIVED", T0 + datetime.timedelta(hours=1), {}))
    assert controls.replay_status(late)[0] == "DELIVERED"  # the ARRIVED that happened earlier changes nothing
    on_time = links(controls.Link(3, "DELIVERED", T0 + datetime.timedelta(hours=2), {}),
                    controls.Link(4, "RETURNED", T0 + datetime.timedelta(hours=3), {}))
    assert controls.replay_status(on_time)[0] == "RETURNED"
