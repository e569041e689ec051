"""Appending links to a parcel's trace chain and re-verifying it. The caller holds the parcel's row lock (or just
created the parcel). A link's canonical content comes from ``greenshield.chain.link_content`` — the one builder,
shared with scan ingest."""
from __future__ import annotations

import datetime
import secrets
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from apps.common import clock
from apps.transparency.services import LINK, log_leaves_add
from greenshield import chain, rules
from greenshield.enums import EventType

from .models import CheckpointEvent, LinkPersonalData, Parcel, ParcelTerritory, VehicleTerritory


def event_content(event: CheckpointEvent) -> dict:
    """The canonical content of a stored link."""
    return chain.link_content(
        parcel=event.parcel_id, seq=event.seq, type=event.type, event_id=event.event_id,
        occurred_at=event.occurred_at, recorded_at=event.recorded_at, facility=event.facility_id,
        vehicle=event.vehicle_id, courier=event.courier_id, device=event.device_id, actor=event.actor,
        location=event.location, detail=event.detail, flags=event.flags,
        personal_digest=event.personal_digest or None)


def stored_link(event: CheckpointEvent) -> chain.StoredLink:
    return chain.StoredLink(event.seq, event_content(event), event.prev_hash, event.hash)


@dataclass
class LinkSpec:
    type: str
    occurred_at: object
    facility: object = None
    vehicle: object = None
    courier: object = None
    device: object = None
    actor: str = ""
    location: dict | None = None
    detail: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
    event_id: uuid.UUID | None = None
    content_digest: str = ""


def chain_append(*, parcel: Parcel, links: list[LinkSpec], recorded_at=None) -> list[CheckpointEvent]:
    """Append ``links`` in order, hashing each onto the parcel's head, move the head, and queue each link's leaf
    in the transparency log."""
    for spec in links:
        if not EventType(spec.type).meta.system and rules.detail_errors(event_type=spec.type, detail=spec.detail):
            raise ValueError(f"{spec.type} detail {sorted(spec.detail)} is not the type's coded facts")
    recorded_at = recorded_at or clock.now()
    prev = parcel.chain_head or chain.GENESIS
    seq = parcel.chain_length
    events = []
    for spec in links:
        seq += 1
        event = CheckpointEvent(
            event_id=spec.event_id or uuid.uuid4(), organization_id=parcel.organization_id, parcel=parcel,
            parcel_accepted_at=parcel.accepted_at, seq=seq,
            type=spec.type,
            occurred_at=spec.occurred_at, recorded_at=recorded_at, facility=spec.facility, vehicle=spec.vehicle,
            courier=spec.courier, device=spec.device, actor=spec.actor, location=spec.location, detail=spec.detail,
            flags=list(spec.flags), content_digest=spec.content_digest, prev_hash=prev,
        )
        event.hash = chain.link_hash(prev, event_content(event))
        prev = event.hash
        events.append(event)
    CheckpointEvent.objects.bulk_create(events)
    territory_record(parcel_provinces={(parcel.pk, spec.facility.province) for spec in links if spec.facility})
    log_leaves_add(LINK, [(e.hash, parcel.accepted_at) for e in events])
    parcel.chain_length = seq
    parcel.chain_head = prev
    parcel.save(update_fields=["chain_length", "chain_head", "updated_at"])
    return events


@dataclass(frozen=True)
class PersonalSeal:
    """A link's personal part ready to store: its row id, the ciphertexts (bound to that row) of the value and of a
    fresh random salt, and the salted digest the link commits to."""

    id: uuid.UUID
    location: str
    salt: str
    digest: str


def personal_seal(personal: dict) -> PersonalSeal:
    salt = secrets.token_hex(16)
    row = uuid.uuid4()  # the LinkPersonalData row's id, which both ciphertexts are bound to
    meta, key = LinkPersonalData._meta, str(row)
    return PersonalSeal(row, meta.get_field("location").encrypt_for_row(key, chain.canonical_json(personal).decode()),
                        meta.get_field("salt").encrypt_for_row(key, salt), chain.personal_digest(salt, personal))


def personal_rows_insert(rows: list[tuple[PersonalSeal, uuid.UUID, int, object, object]]) -> None:
    """Store sealed personal parts ``(seal, parcel id, seq, occurred_at, parcel accepted at)`` next to their links
    (already inserted), in one statement (which reads only the links' partitions)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        events = {(p, s): pk for pk, p, s in CheckpointEvent.objects.filter(
            parcel_id__in={r[1] for r in rows}, seq__in={r[2] for r in rows}).values_list("pk", "parcel_id", "seq")}
        objs = []
        for seal, parcel_id, seq, occurred_at, accepted_at in rows:
            obj = LinkPersonalData(id=seal.id, event_id=events[(parcel_id, seq)], occurred_at=occurred_at,
                                   parcel_accepted_at=accepted_at)
            obj.__dict__["location"], obj.__dict__["salt"] = seal.location, seal.salt
            objs.append(obj)
        LinkPersonalData.objects.bulk_create(objs)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{LinkPersonalData._meta.db_table}" (id, event_id, occurred_at, location, salt, '  # noqa: S608
            "parcel_accepted_at) SELECT v.id, e.id, v.occurred_at, v.location, v.salt, v.accepted_at "
            "FROM unnest(%s::uuid[], %s::uuid[], %s::int[], %s::timestamptz[], %s::text[], %s::text[], "
            "%s::timestamptz[]) AS v(id, parcel, seq, occurred_at, location, salt, accepted_at) "
            # One probe of the unique (parcel, seq, parcel_accepted_at) per row, in the link's partition — LATERAL,
            # and LIMIT so the planner cannot flatten it into a hash join over the whole events table (its choice
            # whenever its statistics lagged behind the table: 33 ms a batch at 40,000 events, growing with it).
            f'CROSS JOIN LATERAL (SELECT id FROM "{CheckpointEvent._meta.db_table}" '
            "WHERE parcel_id = v.parcel AND seq = v.seq AND parcel_accepted_at = v.accepted_at LIMIT 1) e",
            [[str(r[0].id) for r in rows], [str(r[1]) for r in rows], [r[2] for r in rows], [r[3] for r in rows],
             [str(r[0].location) for r in rows], [str(r[0].salt) for r in rows], [r[4] for r in rows]])
        if cursor.rowcount != len(rows):
            raise RuntimeError("a link's personal part found no link")


def territory_record(*, parcel_provinces=(), vehicle_provinces=()) -> None:
    """Note the provinces where links happened — ``(parcel id, province)`` and, for loadings and unloadings,
    ``(vehicle id, province)`` — so each province's regulator sees them. Idempotent, set-based, no locks."""
    for model, column, kind, pairs in ((ParcelTerritory, "parcel_id", "uuid", parcel_provinces),
                                       (VehicleTerritory, "vehicle_id", "bigint", vehicle_provinces)):
        pairs = [pair for pair in set(pairs) if pair[1]]
        if not pairs:
            continue
        if connection.vendor != "postgresql":
            model.objects.bulk_create([model(**{column: p, "province": v}) for p, v in pairs], ignore_conflicts=True)
            continue
        with connection.cursor() as cursor:  # one statement, without a model instance per pair
            cursor.execute(f'INSERT INTO "{model._meta.db_table}" ({column}, province) '  # noqa: S608
                           f"SELECT * FROM unnest(%s::{kind}[], %s::text[]) ON CONFLICT DO NOTHING",
                           [[p for p, _ in pairs], [v for _, v in pairs]])


def chain_verify(parcel: Parcel) -> chain.Verdict:
    """Re-hash the stored chain of one parcel against its recorded head and length."""
    events = CheckpointEvent.objects.of_parcel(parcel).order_by("seq")
    return chain.verify((stored_link(e) for e in events), expected_length=parcel.chain_length,
                        expected_head=parcel.chain_head)


def chains_verify_all(*, batch_size: int = 2000, progress=None):
    """Stream every parcel's chain (in parcel order, one query per ``batch_size`` parcels) and yield
    ``(parcel, verdict)`` for each. ``progress`` is called with the size of each batch checked."""
    last_id = None
    expired_before = clock.now() - datetime.timedelta(days=settings.GREENSHIELD_RETENTION_DAYS["evidence"])
    while True:
        parcels = Parcel.objects.order_by("id").only("id", "waybill_no", "chain_length", "chain_head", "accepted_at")
        if last_id is not None:
            parcels = parcels.filter(id__gt=last_id)
        parcels = list(parcels[:batch_size])
        if not parcels:
            return
        links: dict = {p.id: [] for p in parcels}
        for event in CheckpointEvent.objects.filter(parcel_id__in=list(links)).order_by("parcel_id", "seq"):
            links[event.parcel_id].append(stored_link(event))
        for parcel in parcels:
            if not links[parcel.id] and parcel.accepted_at < expired_before:
                # Retention dropped its month (apps.compliance.retention): the destruction record accounts for it.
                yield parcel, chain.Verdict(valid=True, length=0, head="", expired=True)
                continue
            yield parcel, chain.verify(links[parcel.id], expected_length=parcel.chain_length,
                                       expected_head=parcel.chain_head)
        if progress:
            progress(len(parcels))
        last_id = parcels[-1].id


def personal_parts_attach(parcel: Parcel, links: list[CheckpointEvent]) -> None:
    """Load the personal parts of ``links`` (one query, in the parcel's partition; none when no link has one) and
    cache each on its link, so ``link.personal`` reads no more."""
    wanted = [link.pk for link in links if link.personal_digest]
    found = ({p.event_id: p for p in LinkPersonalData.objects.filter(parcel_accepted_at=parcel.accepted_at,
                                                                      event_id__in=wanted)} if wanted else {})
    for link in links:
        CheckpointEvent.personal.related.set_cached_value(link, found.get(link.pk))
