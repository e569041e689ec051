"""Controls under the chain: the inspection, real-name verification, screening and re-check rows and the parcel's
statuses must say what the parcel's hash-chained links say.

The links are the evidence (hashed, and leaves of the transparency log); the control rows are what screens and
rules read. An insider who edits a screening row to CLEAR and the parcel to CLEAR leaves the SCREENED link
saying SUSPECT: ``controls_compare`` names every such field. Statuses are checked by replaying the chain through
the same rules the services applied (``greenshield.rules``).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from . import rules
from .enums import EventType, ParcelStatus, ScreeningStatus
from .errors import ApplicationError


@dataclass(frozen=True)
class Link:
    seq: int
    type: str
    occurred_at: datetime.datetime
    detail: dict


@dataclass
class Recorded:
    """What the control rows and the parcel say (plain values)."""

    acceptance_id: str
    status: str
    screening_status: str
    contract_customer: bool
    weight_g: int | None = None
    recipient_region_code: str | None = None
    inspection: dict | None = None  # result, sender_present, safety_certificate_ref
    real_name: dict | None = None  # method, identity_matched, contract_customer, sender
    screenings: dict[str, dict] = field(default_factory=dict)  # id → result, machine_id, image_ref, image_sha256
    resolutions: dict[str, dict] = field(default_factory=dict)  # screening id → result, authority_report_ref


@dataclass(frozen=True)
class Mismatch:
    field: str
    chain: object
    recorded: object

    def __str__(self):
        return f"{self.field}: the chain says {self.chain!r}, the record says {self.recorded!r}"


def _compare(out: list, prefix: str, chain: dict, recorded: dict | None, keys) -> None:
    if recorded is None:
        out.append(Mismatch(prefix, "recorded", None))
        return
    for key in keys:
        if chain.get(key) != recorded.get(key):
            out.append(Mismatch(f"{prefix}.{key}", chain.get(key), recorded.get(key)))


def replay_status(links: list[Link]) -> tuple[str, str]:
    """(status, screening status) the services would have left, replaying the chain in seq order."""
    status, screening, since, before_hold = ParcelStatus.ACCEPTED.value, ScreeningStatus.PENDING.value, None, ""
    screened: dict[str, str] = {}
    rechecked: set[str] = set()
    for link in sorted(links, key=lambda x: x.seq):
        if link.type == EventType.ACCEPTED:
            since = link.occurred_at
        elif link.type == EventType.SCREENED:
            new_status, screening, _ = rules.screening_outcome(result=link.detail.get("result"),
                                                               current_status=status, current_screening=screening)
            if new_status == ParcelStatus.ON_HOLD and status != ParcelStatus.ON_HOLD:
                before_hold = status
            status = new_status
            screened[str(link.detail.get("screening"))] = link.detail.get("result")
        elif link.type == EventType.RECHECKED:
            target = str(link.detail.get("screening"))
            other_holds = any(sid != target and sid not in rechecked and result in rules.HOLDING_RESULTS
                              for sid, result in screened.items())
            status, screening = rules.resolution_outcome(
                screening_result=screened.get(target), already_resolved=target in rechecked,
                result=link.detail.get("result"), parcel_status=status, screening_status=screening,
                status_before_hold=before_hold, other_holds=other_holds)
            rechecked.add(target)
        elif link.type not in (EventType.INSPECTED,):
            status, since = rules.status_transition(event_type=link.type, current_status=status,
                                                    occurred_at=link.occurred_at, status_since=since)
    return str(status), str(screening)


def controls_compare(links: list[Link], recorded: Recorded) -> list[Mismatch]:
    """Every field where a control row or the parcel disagrees with the chain (empty: they agree)."""
    out: list[Mismatch] = []
    by_type: dict[str, list[Link]] = {}
    for link in links:
        by_type.setdefault(str(link.type), []).append(link)
    accepted = by_type.get(EventType.ACCEPTED, [])
    if accepted:
        detail = accepted[0].detail
        if str(detail.get("acceptance")) != recorded.acceptance_id:
            out.append(Mismatch("acceptance.id", detail.get("acceptance"), recorded.acceptance_id))
        for key in ("weight_g", "recipient_region_code"):
            if detail.get(key) != getattr(recorded, key):
                out.append(Mismatch(f"acceptance.{key}", detail.get(key), getattr(recorded, key)))
        real_name = detail.get("real_name") or {}
        _compare(out, "real_name", real_name, recorded.real_name,
                 ("method", "identity_matched", "contract_customer", "sender"))
        if real_name.get("contract_customer") != recorded.contract_customer:
            out.append(Mismatch("parcel.contract_customer", real_name.get("contract_customer"),
                                recorded.contract_customer))
    inspected = by_type.get(EventType.INSPECTED, [])
    if inspected:
        _compare(out, "inspection", inspected[0].detail, recorded.inspection,
                 ("result", "sender_present", "safety_certificate_ref"))
    screened = {str(link.detail.get("screening")): link.detail for link in by_type.get(EventType.SCREENED, [])}
    for screening_id in sorted(set(screened) | set(recorded.screenings)):
        name = f"screening[{screening_id}]"
        if screening_id not in screened:
            out.append(Mismatch(name, None, "recorded"))
            continue
        _compare(out, name, screened[screening_id], recorded.screenings.get(screening_id),
                 ("result", "machine_id", "image_ref", "image_sha256"))
    rechecked = {str(link.detail.get("screening")): link.detail for link in by_type.get(EventType.RECHECKED, [])}
    for screening_id in sorted(set(rechecked) | set(recorded.resolutions)):
        name = f"resolution[{screening_id}]"
        if screening_id not in rechecked:
            out.append(Mismatch(name, None, "recorded"))
            continue
        chain_detail = {**rechecked[screening_id],
                        "authority_report_ref": rechecked[screening_id].get("authority_report_ref") or ""}
        _compare(out, name, chain_detail, recorded.resolutions.get(screening_id), ("result", "authority_report_ref"))
    try:
        status, screening = replay_status(links)
    except ApplicationError as exc:
        out.append(Mismatch("chain", exc.code, "a re-check the rules refuse"))
        return out
    if status != recorded.status:
        out.append(Mismatch("parcel.status", status, recorded.status))
    if screening != recorded.screening_status:
        out.append(Mismatch("parcel.screening_status", screening, recorded.screening_status))
    return out
