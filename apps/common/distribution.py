"""The plan for a distributed PostgreSQL (Citus), in one place (docs/scale.md explains it): which tables are
distributed by the parcel and through which of their columns, which are reference tables copied to every node, and
which hot-path statements legitimately do not name the parcel. ``tests/apps/common/test_distribution.py`` captures
the SQL of the hot paths and fails when a statement on a distributed table does not constrain its distribution key.

The distribution value is the parcel's identity. A parcel takes its acceptance's id (one UUIDv7 minted at
acceptance; a refused attempt has no parcel and keeps its id), so ``parcel.id``, ``parcel.acceptance_id`` and every
``acceptance_id`` and ``parcel_id`` below hash to the same shard: one parcel's rows live together, and a parcel's
acceptance, screening or scan batch is a single-shard transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Distributed:
    """A table distributed by the parcel: ``keys`` are its columns that carry the distribution value today;
    ``planned`` ones must be added before it is distributed (docs/scale.md, "Schema steps")."""

    table: str
    keys: tuple[str, ...] = ()
    planned: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.keys + self.planned


DISTRIBUTED = {d.table: d for d in (
    Distributed("parcels_parcel", keys=("id", "acceptance_id")),
    Distributed("parcels_acceptancerecord", keys=("id",)),
    Distributed("parcels_acceptanceitem", keys=("acceptance_id",)),
    Distributed("parcels_inspection", keys=("acceptance_id",)),
    Distributed("senders_verification", keys=("acceptance_id",)),
    Distributed("parcels_parcelterritory", keys=("parcel_id",)),
    Distributed("tracking_checkpointevent", keys=("parcel_id",)),
    Distributed("screening_screening", keys=("parcel_id",)),
    Distributed("screening_resolution", planned=("parcel_id",)),
    # The personal part of a last-mile link (its encrypted location and salt) lives beside the link.
    Distributed("parcels_linkpersonaldata", planned=("parcel_id",)),
    # A link's pending leaf is written in the link's transaction: on the link's shard, so that stays single-shard.
    Distributed("transparency_pendingleaf", planned=("parcel_id",)),
)}

# Small, read on every request, written rarely: a copy on every node (Citus reference tables).
REFERENCE = (
    "organizations_organization", "organizations_facility", "organizations_staff", "organizations_vehicle",
    "accounts_device", "accounts_deviceapikey", "accounts_user", "accounts_user_groups", "auth_group",
    "knox_authtoken", "parcels_prohibitedcategory", "senders_blacklistentry",
)


@dataclass(frozen=True)
class Exemption:
    """A hot-path statement on a distributed table that does not name the distribution key, and why that is right
    (or what must change first)."""

    table: str
    pattern: str  # a regular expression the statement matches
    reason: str

    def covers(self, table: str, sql: str) -> bool:
        return table == self.table and re.search(self.pattern, sql) is not None


EXEMPTIONS = (
    Exemption("parcels_parcel", r'"parcels_parcel"\."waybill_no" = ',
              "The waybill is how people and scanners name a parcel. Under Citus a waybill → parcel id lookup table "
              "distributed by waybill_no answers it on one shard, then the parcel's shard is known."),
    Exemption("tracking_checkpointevent", r"WHERE organization_id = %s AND event_id = ANY",
              "Exactly-once by event_id within a company across partitions (a partition-local unique index plus "
              "this check under per-event-id advisory locks): it must see every partition and, under Citus, every "
              "shard holding the company's links, so there it becomes a lookup table (organization_id, event_id) → "
              "parcel_id distributed by event_id (docs/scale.md, step 4)."),
    Exemption("parcels_parcelterritory", r"WHERE parcel_id = p\.id AND province = %s LIMIT 1\) t ON true",
              "The scan batch's parcel lock reads whether each parcel already has the device's province, joined on "
              "the locked parcel's id: the distribution column, so co-located and single-shard per parcel."),
    Exemption("tracking_checkpointevent", r"CREATE TEMP TABLE .* WITH NO DATA",
              "The ingest's staging table copies the events' column layout (WITH NO DATA): no row is read."),
    Exemption("screening_resolution", r'"screening_resolution"\."screening_id"',
              "A re-check is found through its screening; it needs its own parcel_id (planned) so the join is on "
              "the distribution column."),
    Exemption("transparency_pendingleaf", r'INSERT INTO "transparency_pendingleaf"',
              "Pending leaves carry no parcel yet (planned column): without it they would land on another shard than "
              "their link, and the link's transaction would span two shards."),
)
