"""The acceptance decision as a pure function [R5][R8][R9][R15]: no database, every combination of conditions.

A parcel is accepted only when nothing is wrong; the refusal reason is the most serious condition
(prohibited item, then blacklisted sender, then refused inspection, identity mismatch, unconfirmable item);
every condition that calls for an alert raises one, even when another reason wins.
"""
from __future__ import annotations

import itertools

import pytest

from greenshield.enums import AlertKind, InspectionResult, Outcome, RefusalReason
from greenshield.rules import acceptance_decide


def decide(*, result="PASS", certificate="", declared=False, matched=True, blacklisted=False):
    return acceptance_decide(inspection_result=result, safety_certificate_ref=certificate,
                             declared_prohibited=declared, identity_matched=matched, sender_blacklisted=blacklisted)


SINGLE_CONDITIONS = {
    "pass": ({}, None, ()),
    "prohibited-found": ({"result": "PROHIBITED_FOUND"}, "prohibited_item", ("prohibited_item_at_acceptance",)),
    "declared-category": ({"declared": True}, "prohibited_item", ("prohibited_item_at_acceptance",)),
    "refused-by-sender": ({"result": "REFUSED_BY_SENDER"}, "inspection_refused", ()),
    "identity-mismatch": ({"matched": False}, "identity_mismatch", ()),
    "unconfirmable": ({"result": "UNCONFIRMABLE"}, "unconfirmable_item", ()),
    "unconfirmable-with-certificate": ({"result": "UNCONFIRMABLE", "certificate": "SDS-1"}, None, ()),
    "blacklisted": ({"blacklisted": True}, "sender_blacklisted", ("blacklisted_sender_attempt",)),
    "certificate-does-not-excuse-prohibited": ({"result": "PROHIBITED_FOUND", "certificate": "SDS-1"},
                                               "prohibited_item", ("prohibited_item_at_acceptance",)),
}


@pytest.mark.parametrize(("conditions", "reason", "alerts"), SINGLE_CONDITIONS.values(), ids=SINGLE_CONDITIONS)
def test_each_rule(conditions, reason, alerts):
    decision = decide(**conditions)

    assert decision.outcome == (Outcome.REFUSED if reason else Outcome.ACCEPTED)
    assert decision.refusal_reason == reason
    assert decision.alerts == alerts


COMBINATIONS = {
    "prohibited-beats-blacklisted": ({"declared": True, "blacklisted": True}, "prohibited_item",
                                     {"prohibited_item_at_acceptance", "blacklisted_sender_attempt"}),
    "blacklisted-beats-refused-inspection": ({"blacklisted": True, "result": "REFUSED_BY_SENDER"},
                                             "sender_blacklisted", {"blacklisted_sender_attempt"}),
    "refused-inspection-beats-mismatch": ({"result": "REFUSED_BY_SENDER", "matched": False},
                                          "inspection_refused", set()),
    "mismatch-beats-unconfirmable": ({"result": "UNCONFIRMABLE", "matched": False}, "identity_mismatch", set()),
    "mismatch-with-certificate": ({"result": "UNCONFIRMABLE", "certificate": "SDS-1", "matched": False},
                                  "identity_mismatch", set()),
    "blacklisted-and-mismatch": ({"blacklisted": True, "matched": False}, "sender_blacklisted",
                                 {"blacklisted_sender_attempt"}),
}


@pytest.mark.parametrize(("conditions", "reason", "alerts"), COMBINATIONS.values(), ids=COMBINATIONS)
def test_most_serious_reason_wins_and_every_alert_is_raised(conditions, reason, alerts):
    decision = decide(**conditions)

    assert (decision.outcome, decision.refusal_reason) == (Outcome.REFUSED, reason)
    assert set(decision.alerts) == alerts and len(decision.alerts) == len(alerts)


PRIORITY = [RefusalReason.PROHIBITED_ITEM, RefusalReason.SENDER_BLACKLISTED, RefusalReason.INSPECTION_REFUSED,
            RefusalReason.IDENTITY_MISMATCH, RefusalReason.UNCONFIRMABLE_ITEM]


@pytest.mark.parametrize(("result", "certificate", "declared", "matched", "blacklisted"), list(itertools.product(
    list(InspectionResult), ["", "SDS-1"], [False, True], [True, False], [False, True])))
def test_every_combination(result, certificate, declared, matched, blacklisted):
    """An independent statement of the rules, checked over the whole input space."""
    decision = decide(result=result, certificate=certificate, declared=declared, matched=matched,
                      blacklisted=blacklisted)

    prohibited = result == InspectionResult.PROHIBITED_FOUND or declared
    reasons = {
        RefusalReason.PROHIBITED_ITEM: prohibited,
        RefusalReason.SENDER_BLACKLISTED: blacklisted,
        RefusalReason.INSPECTION_REFUSED: result == InspectionResult.REFUSED_BY_SENDER,
        RefusalReason.IDENTITY_MISMATCH: not matched,
        RefusalReason.UNCONFIRMABLE_ITEM: result == InspectionResult.UNCONFIRMABLE and not certificate,
    }
    expected_reason = next((r for r in PRIORITY if reasons[r]), None)
    assert decision.refusal_reason == expected_reason
    assert decision.outcome == (Outcome.REFUSED if expected_reason else Outcome.ACCEPTED)
    expected_alerts = {AlertKind.PROHIBITED_ITEM_AT_ACCEPTANCE} if prohibited else set()
    if blacklisted:
        expected_alerts.add(AlertKind.BLACKLISTED_SENDER_ATTEMPT)
    assert set(decision.alerts) == expected_alerts and len(decision.alerts) == len(expected_alerts)
