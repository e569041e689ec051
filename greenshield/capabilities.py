"""Who may do what: one table, read by the API's permission classes, the services and the admin alike.

Scope (which objects) is a separate question, answered by each model's declared scope; this table only says
which roles may attempt an action at all. ``operators`` are the installation's superusers; ``devices`` are
scanners authenticating with an API key.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .enums import Role


class Capability(StrEnum):
    RECORD_ACCEPTANCE = "record_acceptance"
    RECORD_SCREENING = "record_screening"
    CAPTURE_SCANS = "capture_scans"
    RESOLVE_HOLD = "resolve_hold"  # the open-box re-check of a suspect screening
    TRACE = "trace"  # a parcel's trace and the reverse traces
    REVEAL_PERSONAL_DATA = "reveal_personal_data"
    SEARCH_SENDERS = "search_senders"
    READ_BLACKLIST = "read_blacklist"
    KEEP_BLACKLIST = "keep_blacklist"  # add and revoke entries of one's own authority
    READ_ALERTS = "read_alerts"
    REVIEW_ALERTS = "review_alerts"  # acknowledge and resolve
    READ_AUDIT = "read_audit"
    READ_REFERENCE = "read_reference"
    VIEW_ADMIN = "view_admin"  # supervisors and regulators audit in the Django admin (read-only)
    MANAGE_SUBSCRIPTIONS = "manage_subscriptions"  # EPCIS standing queries delivered to an agency's webhook
    READ_STATISTICS = "read_statistics"  # supervision: compliance statistics, indicators, risk sources, dashboard


@dataclass(frozen=True)
class Grant:
    roles: frozenset[Role]
    operators: bool = True
    devices: bool = False


ALL_ROLES = frozenset(Role)
AUDITORS = frozenset({Role.SUPERVISOR, Role.REGULATOR, Role.REGIONAL_REGULATOR})
BLACKLIST_KEEPERS = frozenset({Role.SUPERVISOR, Role.REGULATOR})  # the Delta's joint body keeps none

CAPABILITIES: dict[Capability, Grant] = {
    Capability.RECORD_ACCEPTANCE: Grant(frozenset({Role.OUTLET_STAFF})),
    Capability.RECORD_SCREENING: Grant(frozenset({Role.SCREENER}), devices=True),
    Capability.CAPTURE_SCANS: Grant(frozenset(), operators=False, devices=True),
    Capability.RESOLVE_HOLD: Grant(frozenset({Role.SCREENER, Role.SUPERVISOR})),
    Capability.TRACE: Grant(AUDITORS | {Role.OUTLET_STAFF}),
    Capability.REVEAL_PERSONAL_DATA: Grant(AUDITORS),
    Capability.SEARCH_SENDERS: Grant(AUDITORS),
    Capability.READ_BLACKLIST: Grant(AUDITORS),
    Capability.KEEP_BLACKLIST: Grant(BLACKLIST_KEEPERS),
    Capability.READ_ALERTS: Grant(ALL_ROLES),
    Capability.REVIEW_ALERTS: Grant(AUDITORS),
    Capability.READ_AUDIT: Grant(AUDITORS, operators=True),
    Capability.READ_REFERENCE: Grant(ALL_ROLES),
    Capability.VIEW_ADMIN: Grant(AUDITORS),
    Capability.MANAGE_SUBSCRIPTIONS: Grant(frozenset({Role.REGULATOR})),
    Capability.READ_STATISTICS: Grant(AUDITORS),
}


def may(capability: Capability, *, role: Role | None, operator: bool = False, device: bool = False) -> bool:
    """Whether an account with ``role`` (or an operator, or a device) may attempt ``capability``."""
    grant = CAPABILITIES[capability]
    if device:
        return grant.devices
    if operator and grant.operators:
        return True
    return role is not None and role in grant.roles
