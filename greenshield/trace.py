"""Reading a parcel's events as custody and transport: who held it when, and which vehicle carried it when.
Pure functions over event facts (time order), so the rules are testable without a database."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from .enums import Custody as CustodyEffect
from .enums import EventType
from .enums import Leg as LegEffect

CUSTODY_TAKING = frozenset(t.value for t in EventType if t.meta.custody == CustodyEffect.TAKES)
CUSTODY_ENDING = frozenset(t.value for t in EventType if t.meta.custody == CustodyEffect.ENDS)
CUSTODY_DELIVERING = frozenset(t.value for t in EventType if t.meta.custody == CustodyEffect.DELIVERS)
LEG_EFFECT = {t.value: t.meta.leg for t in EventType}
ROLE_OF_TYPE = {t.value: t.meta.role for t in EventType}


@dataclass(frozen=True)
class Fact:
    type: str
    occurred_at: datetime.datetime
    courier: str | None = None
    vehicle: str | None = None
    facility: str | None = None


@dataclass
class Custody:
    courier: str
    since: datetime.datetime
    until: datetime.datetime | None = None
    ended_by: str | None = None


@dataclass
class Leg:
    vehicle: str
    loaded_at: datetime.datetime | None
    loaded_facility: str | None
    departed_at: datetime.datetime | None = None
    unloaded_at: datetime.datetime | None = None
    unloaded_facility: str | None = None


def custody_intervals(facts: list[Fact]) -> list[Custody]:
    """A courier holds the parcel from the scan that gives it to them (acceptance, handover, out for delivery)
    until a scan puts it somewhere else (a facility, a vehicle, another courier) or it is delivered."""
    intervals: list[Custody] = []
    current: Custody | None = None
    for fact in facts:
        if fact.type in CUSTODY_TAKING and fact.courier:
            if current is None or current.courier != fact.courier:
                if current is not None:
                    current.until, current.ended_by = fact.occurred_at, fact.type
                current = Custody(fact.courier, fact.occurred_at)
                intervals.append(current)
        elif fact.type in CUSTODY_DELIVERING:
            if fact.courier and (current is None or current.courier != fact.courier):
                if current is not None:
                    current.until, current.ended_by = fact.occurred_at, fact.type
                current = Custody(fact.courier, fact.occurred_at)
                intervals.append(current)
            if current is not None:
                current.until, current.ended_by = fact.occurred_at, fact.type
                current = None
        elif fact.type in CUSTODY_ENDING and current is not None:
            current.until, current.ended_by = fact.occurred_at, fact.type
            current = None
    return intervals


def vehicle_legs(facts: list[Fact]) -> list[Leg]:
    """LOADED onto a vehicle opens a leg, UNLOADED from it closes it; DEPARTED marks when it left."""
    legs: list[Leg] = []
    open_legs: dict[str, Leg] = {}
    for fact in facts:
        if not fact.vehicle:
            continue
        effect = LEG_EFFECT.get(fact.type, LegEffect.NONE)
        if effect == LegEffect.OPENS:
            leg = Leg(fact.vehicle, fact.occurred_at, fact.facility)
            open_legs[fact.vehicle] = leg
            legs.append(leg)
        elif effect == LegEffect.DEPARTS:
            leg = open_legs.get(fact.vehicle)
            if leg is None:  # a departure scan without its loading scan still tells us the vehicle
                leg = Leg(fact.vehicle, None, None)
                open_legs[fact.vehicle] = leg
                legs.append(leg)
            leg.departed_at = leg.departed_at or fact.occurred_at
        elif effect == LegEffect.CLOSES:
            leg = open_legs.pop(fact.vehicle, None)
            if leg is None:
                leg = Leg(fact.vehicle, None, None)
                legs.append(leg)
            leg.unloaded_at, leg.unloaded_facility = fact.occurred_at, fact.facility
    return legs
