"""Checkpoint capture: a device's batch of scans, stored exactly once each and appended to the parcels' chains.

The path is set-based — whatever the batch size it costs a handful of queries: look up references, read the
event ids already stored, lock the batch's parcels (in id order, so concurrent batches cannot deadlock), insert
every new event with ``INSERT … ON CONFLICT (organization_id, event_id) DO NOTHING`` (queuing each stored link's
leaf in the transparency log in the same statement), and move the parcels' chain heads in one
``UPDATE … FROM (VALUES …)``. Exactly-once (within the device's company) rests on the unique
``(organization, event_id)`` and the parcel locks, never on a check-then-insert race. A device scans only at its
own facility, and names only its company's vehicles and couriers. A bad event is rejected on its own; it never
sinks the good ones.

``detail`` carries only the coded facts its type allows (``EventType.meta.detail``), so no name or phone can ride
in it. The location of a last-mile scan (``meta.personal_location``) is personal data: it goes, encrypted with a
random salt, into ``LinkPersonalData``, and the link commits to ``SHA-256(salt ‖ location)`` instead. Flagged
scans raise their alerts set-based and aggregated (``alerts_aggregate``): one open alert per (parcel, kind), and a
burst of one kind from the device collapsed into one device-level alert with a count.
"""
from __future__ import annotations

import datetime
import io
import uuid
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.common import clock
from apps.common.locks import xact_lock_many
from apps.organizations.models import Facility, Staff, Vehicle
from apps.parcels.chain import PersonalSeal, personal_rows_insert, personal_seal, territory_record
from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Parcel, ParcelTerritory
from apps.senders.services import blacklisted_staff_ids
from apps.transparency.services import LINK, PENDING_TABLE, log_leaves_add
from greenshield import chain, crypto, rules
from greenshield.enums import AlertKind, CaptureStatus, EventType, Leg, Outcome
from greenshield.plates import InvalidPlate, normalize_plate

MAX_BATCH = 1000
SCANS = {t.value: t for t in EventType.scans()}
SCAN_NAMES = ", ".join(SCANS)
ACCEPTED, DUPLICATE, CONFLICT, REJECTED = (CaptureStatus.ACCEPTED.value, CaptureStatus.DUPLICATE.value,
                                           CaptureStatus.CONFLICT.value, CaptureStatus.REJECTED.value)
MAX_DETAIL_BYTES = 4096


class BatchTooLarge(Exception):
    pass


@dataclass
class Item:
    """One submitted event on its way through the pipeline."""

    index: int
    raw: object
    status: str = ""
    errors: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    chain_hash: str | None = None
    event_id: uuid.UUID | None = None
    waybill_no: str = ""
    type: str = ""
    occurred_at: datetime.datetime | None = None
    facility_code: str | None = None
    vehicle_plate: str | None = None
    courier_no: str | None = None
    location: dict | None = None
    personal: dict | None = None  # a last-mile scan's location: personal data, never stored in the link
    seal: PersonalSeal | None = None
    detail: dict = field(default_factory=dict)
    digest: str = ""
    other_digests: tuple[str, ...] = ()  # the digest under the keyring's other keys (personal part indexed)
    parcel: ParcelState | None = None
    facility_id: int | None = None
    vehicle_id: int | None = None
    courier_id: uuid.UUID | None = None
    courier_in_good_standing: bool = True
    duplicate_of: Item | None = None
    event_key: str = ""

    def reject(self, code: str, detail: str, attr: str | None = None) -> None:
        self.status = REJECTED
        self.errors.append({"code": code, "detail": detail, "attr": attr})

    def result(self) -> dict:
        return {"event_id": self.event_key or _raw_event_id(self.raw),
                "status": self.status, "flags": self.flags, "errors": self.errors, "chain_hash": self.chain_hash}


def _raw_event_id(raw) -> str | None:
    value = raw.get("event_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _optional_str(raw: dict, key: str, item: Item, max_length: int = 32) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        item.reject("invalid", f"{key} must be a string of at most {max_length} characters.", key)
        return None
    return value.strip()


def _storable_json(value):
    """``value`` as PostgreSQL's jsonb will give it back, so the hash computed now still verifies later: -0.0
    becomes 0.0. ``ValueError`` for what jsonb cannot keep as sent: NUL characters, and floats of 1e16 or more
    (orjson writes them in exponent form, jsonb returns them as integers)."""
    if isinstance(value, dict):
        return {_storable_json(k): _storable_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable_json(v) for v in value]
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL character")
        return value
    if isinstance(value, float):
        if abs(value) >= 1e16:
            raise ValueError("float too large")
        return 0.0 if value == 0 else value
    return value


def _parse(item: Item, now: datetime.datetime, max_skew: datetime.timedelta) -> None:
    """Shape checks of one event, in plain Python (a serializer per event would dominate the batch's cost)."""
    raw = item.raw
    if not isinstance(raw, dict):
        item.reject("invalid", "Each event must be an object.")
        return
    try:
        item.event_id = uuid.UUID(str(raw.get("event_id")))
        item.event_key = str(item.event_id)
    except ValueError:
        item.reject("invalid" if raw.get("event_id") else "required", "event_id must be a UUID.", "event_id")
        return
    waybill = raw.get("waybill_no")
    if not isinstance(waybill, str) or not waybill.strip():
        item.reject("required", "waybill_no is required.", "waybill_no")
    elif "\x00" in waybill:
        item.reject("invalid", "waybill_no must not contain NUL characters.", "waybill_no")
    elif len(waybill.strip()) > 32:
        item.reject("invalid", "waybill_no is at most 32 characters.", "waybill_no")
    else:
        item.waybill_no = waybill.strip().upper()
    event_type = raw.get("type")
    if not isinstance(event_type, str) or event_type not in SCANS:  # a dict or list is unhashable
        item.reject("invalid_choice", f"type must be one of {SCAN_NAMES}.", "type")
        meta = None
    else:
        item.type = event_type
        meta = SCANS[event_type].meta
    occurred = raw.get("occurred_at")
    try:
        item.occurred_at = datetime.datetime.fromisoformat(occurred) if isinstance(occurred, str) else None
        if item.occurred_at is not None and item.occurred_at.tzinfo is not None:
            # In UTC: PostgreSQL refuses offsets beyond ±16:00, and year 1 at a positive offset has no UTC form.
            item.occurred_at = item.occurred_at.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        item.occurred_at = None
    if item.occurred_at is None or item.occurred_at.tzinfo is None:
        item.reject("invalid", "occurred_at must be an ISO 8601 time with its UTC offset.", "occurred_at")
    elif item.occurred_at - now > max_skew:
        item.reject("occurred_in_future", "occurred_at is further in the future than the allowed clock skew.",
                    "occurred_at")
    item.facility_code = _optional_str(raw, "facility", item)
    item.courier_no = _optional_str(raw, "courier", item)
    plate = _optional_str(raw, "vehicle", item, 16)
    if plate:
        try:
            item.vehicle_plate = normalize_plate(plate)
        except InvalidPlate:
            item.reject("unknown_vehicle", "Not a known vehicle plate.", "vehicle")
    location = raw.get("location")
    if location is not None:
        lat, lon = (location.get("lat"), location.get("lon")) if isinstance(location, dict) else (None, None)
        if not (isinstance(lat, int | float) and isinstance(lon, int | float) and -90 <= lat <= 90
                and -180 <= lon <= 180) or isinstance(lat, bool) or isinstance(lon, bool):
            item.reject("invalid", "location must be {\"lat\": -90..90, \"lon\": -180..180}.", "location")
        else:
            item.location = {"lat": lat + 0.0 if isinstance(lat, float) else lat,  # -0.0 → 0.0, as jsonb does
                             "lon": lon + 0.0 if isinstance(lon, float) else lon}
    detail = raw.get("detail") if raw.get("detail") is not None else {}
    try:
        size = len(orjson.dumps(detail)) if detail else 2
        detail = _storable_json(detail) if detail else detail
    except (orjson.JSONEncodeError, ValueError):
        size = MAX_DETAIL_BYTES + 1
    if not isinstance(detail, dict) or size > MAX_DETAIL_BYTES:
        item.reject("invalid", f"detail must be an object of at most {MAX_DETAIL_BYTES} bytes, without NUL "
                               "characters or numbers of 1e16 or more.", "detail")
    else:
        item.detail = detail
        if meta is not None and detail:  # an empty detail has nothing to check
            for key, problem in rules.detail_errors(event_type=item.type, detail=detail):
                item.reject("invalid", problem, f"detail.{key}")
    if meta is not None and meta.needs_reason and not isinstance(item.detail.get("reason"), str):
        item.reject("required", f"An {item.type} needs detail.reason.", "detail.reason")
    if (meta is not None and meta.needs_vehicle and not item.vehicle_plate
            and not any(e["attr"] == "vehicle" for e in item.errors)):
        item.reject("vehicle_required", f"A {item.type} event needs a vehicle.", "vehicle")
    if meta is not None and meta.needs_courier and not item.courier_no:
        item.reject("courier_required", f"A {item.type} event needs a courier.", "courier")
    if item.status != REJECTED:
        if meta.personal_location and item.location is not None:
            item.personal, item.location = item.location, None
        _digest(item)


def _digest(item: Item) -> None:
    """What tells a retry from a conflict. A personal location enters it only as a keyed index (the stored
    digest must not let anyone confirm a guessed doorstep), computed under every key of the ring, so a retry
    after a key rotation is still a DUPLICATE."""
    content = {"event_id": item.event_key, "waybill_no": item.waybill_no, "type": item.type,
               "occurred_at": chain.canonical_time(item.occurred_at), "facility": item.facility_code,
               "vehicle": item.vehicle_plate, "courier": item.courier_no, "location": item.location,
               "detail": item.detail}
    if item.personal is None:
        item.digest = chain.content_digest(content)
        return
    ring = crypto.current_keyring()
    normalized = chain.canonical_json(item.personal).decode()
    digests = [chain.content_digest({**content, "personal": crypto.blind_index(
        ring, normalized, index=PERSONAL_INDEX, key_id=key_id)}) for key_id in (ring.primary_id, *ring.ids)]
    item.digest, item.other_digests = digests[0], tuple(dict.fromkeys(digests[1:]))


PERSONAL_INDEX = "scan-location"


@dataclass
class ParcelState:
    """What the capture needs of a locked parcel (plain values: model instances cost more than the insert)."""

    id: uuid.UUID
    waybill_no: str
    status: str
    screening_status: str
    accepted_at: datetime.datetime
    chain_head: str
    chain_length: int
    status_since: datetime.datetime | None
    in_province: bool = False  # the parcel's territory already holds the device's province

    @property
    def key(self) -> str:
        try:
            return self._key
        except AttributeError:
            self._key = str(self.id)
            return self._key

    @property
    def accepted_key(self) -> str:
        try:
            return self._accepted_key
        except AttributeError:
            self._accepted_key = self.accepted_at.isoformat()
            return self._accepted_key


def _lock_parcels(items: list[Item], device, province: str) -> dict[str, ParcelState]:
    """The batch's parcels of the device's company, locked in id order (concurrent batches cannot deadlock), each
    with whether its territory already holds ``province`` (most scans add nothing to it: no insert for those)."""
    waybills = sorted({i.waybill_no for i in items if i.waybill_no})
    if not waybills:
        return {}
    if connection.vendor == "postgresql":  # one plain statement: the ORM's 500-parameter IN costs more than the query
        # The territory as one index probe per parcel (LATERAL … LIMIT 1): as an EXISTS the planner hashes every
        # territory row of the province instead, which grows with the years kept.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.id, p.waybill_no, p.status, p.screening_status, p.accepted_at, p.chain_head, "
                f'p.chain_length, p.status_since, t.found IS NOT NULL FROM "{Parcel._meta.db_table}" p '
                f'LEFT JOIN LATERAL (SELECT true AS found FROM "{ParcelTerritory._meta.db_table}" '
                "WHERE parcel_id = p.id AND province = %s LIMIT 1) t ON true "
                "WHERE p.organization_id = %s AND p.waybill_no = ANY(%s) ORDER BY p.id FOR UPDATE OF p",
                [province, device.organization_id, waybills])
            return {row[1]: ParcelState(*row) for row in cursor.fetchall()}
    locked = (Parcel.objects.select_for_update(of=("self",))
              .filter(organization_id=device.organization_id, waybill_no__in=waybills).order_by("id")
              .annotate(in_province=Exists(ParcelTerritory.objects.filter(parcel=OuterRef("pk"), province=province)))
              .values_list("id", "waybill_no", "status", "screening_status", "accepted_at", "chain_head",
                           "chain_length", "status_since", "in_province"))
    return {row[1]: ParcelState(*row) for row in locked}


@dataclass(frozen=True)
class Place:
    """Where the device is: its facility (the only one it may name) and that facility's province."""

    facility_id: int | None
    code: str | None
    province: str

    @classmethod
    def of(cls, device) -> Place:
        if device.facility_id is None:
            return cls(None, None, "")
        if type(device).facility.is_cached(device):  # loaded with the device's API key, in this request
            return cls(device.facility_id, device.facility.code, device.facility.province)
        row = Facility.objects.filter(pk=device.facility_id).values_list("code", "province").first()
        return cls(device.facility_id, row[0], row[1]) if row else cls(None, None, "")


def _couriers(organization_id, employee_nos) -> dict[str, tuple[uuid.UUID, bool]]:
    """employee_no → (staff id, in good standing) for the named staff of the company, whatever their status: a
    scan naming a suspended, departed or blacklisted courier is still a fact [R15]."""
    if not employee_nos:
        return {}
    staff = list(Staff.objects.filter(organization_id=organization_id, employee_no__in=employee_nos)
                 .only("id", "employee_no", "status", "organization_id", "id_type", "id_number", "id_number_index"))
    barred = blacklisted_staff_ids(staff)
    return {s.employee_no: (s.id, rules.staff_standing_refusal(status=s.status, blacklisted=s.pk in barred) is None)
            for s in staff}


def _resolve_references(items: list[Item], device, parcels: dict[str, ParcelState], place: Place) -> None:
    """Bulk lookups of vehicles and couriers — of the device's own company only; the facility is the device's."""
    organization_id = device.organization_id
    plates = {i.vehicle_plate for i in items if i.vehicle_plate}
    couriers = _couriers(organization_id, {i.courier_no for i in items if i.courier_no})
    vehicles = dict(Vehicle.objects.filter(organization_id=organization_id, plate__in=plates)
                    .values_list("plate", "id")) if plates else {}
    missing = {i.waybill_no for i in items} - set(parcels)
    # Past the evidence's retention its month is dropped (apps.compliance.retention): no new link joins it.
    expired_before = clock.now() - datetime.timedelta(days=settings.GREENSHIELD_RETENTION_DAYS["evidence"])
    refused = set(AcceptanceRecord.objects.filter(organization_id=organization_id, waybill_no__in=missing,
                                                  outcome=Outcome.REFUSED)
                  .values_list("waybill_no", flat=True)) if missing else set()
    for item in items:
        if item.status:
            continue
        item.parcel = parcels.get(item.waybill_no)
        if item.parcel is not None and item.parcel.accepted_at < expired_before:
            item.reject("parcel_expired", "This parcel's evidence is past its retention period.", "waybill_no")
        elif item.parcel is None:
            if item.waybill_no in refused:
                item.reject("parcel_refused", "This waybill belongs to a refused acceptance.", "waybill_no")
            else:
                item.reject("unknown_parcel", "No parcel with this waybill number.", "waybill_no")
        if item.facility_code is None or (place.code is not None and item.facility_code == place.code):
            item.facility_id = place.facility_id
        else:
            item.reject("facility_not_permitted", "A scanner records scans at its own facility only.", "facility")
        if SCANS[item.type].meta.needs_facility and item.facility_id is None and item.status != REJECTED:
            item.reject("facility_required", f"A {item.type} event needs a facility.", "facility")
        if item.vehicle_plate is not None:
            if item.vehicle_plate in vehicles:
                item.vehicle_id = vehicles[item.vehicle_plate]
            else:
                item.reject("unknown_vehicle", "Unknown vehicle.", "vehicle")
        if item.courier_no is not None:
            if item.courier_no in couriers:
                item.courier_id, item.courier_in_good_standing = couriers[item.courier_no]
            else:
                item.reject("unknown_courier", "Unknown courier.", "courier")


def _stored_digests(organization_id, event_ids) -> dict[uuid.UUID, tuple[str, str]]:
    """What the device's company already stored under these event ids (another company's never counts)."""
    if not event_ids:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT event_id, content_digest, hash FROM "{CheckpointEvent._meta.db_table}" '
                           "WHERE organization_id = %s AND event_id = ANY(%s::uuid[])",
                           [organization_id, [str(e) for e in event_ids]])
            return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    return {row[0]: (row[1], row[2]) for row in CheckpointEvent.objects.filter(
        organization_id=organization_id, event_id__in=event_ids).values_list("event_id", "content_digest", "hash")}


def _mark_seen(items: list[Item], stored) -> None:
    """DUPLICATE (same id, same content: stored once) or CONFLICT (same id, other content: nothing changed)."""
    for item in items:
        if item.status not in ("", REJECTED) or item.event_id not in stored:
            continue
        item.errors = []
        digest, link_hash = stored[item.event_id]
        if digest == item.digest or digest in item.other_digests:
            item.status, item.chain_hash = DUPLICATE, link_hash
        else:
            item.status = CONFLICT
            item.errors.append({"code": "event_id_conflict", "attr": "event_id",
                                "detail": "An event with this event_id and different content is already stored."})


def _dedupe_within_batch(items: list[Item]) -> None:
    first: dict[uuid.UUID, Item] = {}
    for item in items:
        if item.status or item.event_id is None:
            continue
        seen = first.get(item.event_id)
        if seen is None:
            first[item.event_id] = item
        elif seen.digest == item.digest:
            item.status, item.duplicate_of = DUPLICATE, seen
        else:
            item.status = CONFLICT
            item.errors.append({"code": "event_id_conflict", "attr": "event_id",
                                "detail": "The batch holds this event_id twice with different content."})


class _RaceLost(Exception):
    """A concurrent batch stored one of our event ids first (under another parcel): redo the batch."""


def events_capture(*, device, events: list, now: datetime.datetime | None = None) -> dict:
    """Capture a device's batch; returns ``{"results": [...], "summary": {...}}`` in input order."""
    if not isinstance(events, list):
        raise TypeError("events must be a list")
    if len(events) > MAX_BATCH:
        raise BatchTooLarge(len(events))
    now = now or clock.now()
    max_skew = datetime.timedelta(seconds=settings.GREENSHIELD_EVENT_MAX_FUTURE_SKEW_SECONDS)
    clock_skew = datetime.timedelta(seconds=settings.GREENSHIELD_CLOCK_SKEW_SECONDS)
    place = Place.of(device)
    for attempt in range(3):
        items = [Item(index=i, raw=raw) for i, raw in enumerate(events)]
        for item in items:
            _parse(item, now, max_skew)
        try:
            with transaction.atomic():
                candidates = [i for i in items if not i.status]
                if candidates:
                    _resolve_references(candidates, device, _lock_parcels(candidates, device, place.province), place)
                _dedupe_within_batch(items)
                _store(items, device=device, now=now, place=place, clock_skew=clock_skew)
                _conflict_alerts(items, device=device)
            break
        except _RaceLost:
            if attempt == 2:
                raise
    for item in items:
        original = item.duplicate_of
        if original is not None:
            item.chain_hash = original.chain_hash
            if original.status == CONFLICT:
                item.status, item.errors = CONFLICT, original.errors
    results = [item.result() for item in items]
    summary = {"accepted": 0, "duplicates": 0, "conflicts": 0, "rejected": 0}
    key = {ACCEPTED: "accepted", DUPLICATE: "duplicates", CONFLICT: "conflicts", REJECTED: "rejected"}
    for item in items:
        summary[key[item.status]] += 1
    return {"results": results, "summary": summary}


def _store(items: list[Item], *, device, now: datetime.datetime, place: Place,
           clock_skew: datetime.timedelta) -> None:
    """Under the parcel locks: mark what is already stored, then chain and insert the rest. An event already
    stored is a DUPLICATE (or CONFLICT) even if its references have changed since (a courier suspended)."""
    well_formed = [i for i in items if i.digest and i.duplicate_of is None and i.status in ("", REJECTED)]
    # Exactly-once across partitions: a link's unique (organization, event_id, parcel_accepted_at) is per
    # partition, so the same event id for parcels of two months could pass it in two concurrent batches. Locking
    # each event id of the company first makes the check below and the insert one step for it.
    xact_lock_many("event_id", [f"{device.organization_id}:{i.event_key}" for i in well_formed if not i.status])
    _mark_seen(well_formed, _stored_digests(device.organization_id, [i.event_id for i in well_formed]))
    pending = [i for i in items if not i.status]
    rows = []
    touched: dict[uuid.UUID, ParcelState] = {}
    actor = f"device:{device.serial}"
    for item in pending:
        parcel = item.parcel
        facts = rules.ParcelFacts(parcel.status, parcel.screening_status, parcel.accepted_at)
        item.flags = rules.event_flags(event_type=item.type, occurred_at=item.occurred_at, parcel=facts,
                                       courier_in_good_standing=item.courier_in_good_standing, clock_skew=clock_skew)
        seq = parcel.chain_length + 1
        prev = parcel.chain_head or chain.GENESIS
        item.seal = personal_seal(item.personal) if item.personal is not None else None
        content = chain.link_content(
            parcel=parcel.key, seq=seq, type=item.type, event_id=item.event_key, occurred_at=item.occurred_at,
            recorded_at=now, facility=item.facility_id, vehicle=item.vehicle_id, courier=item.courier_id,
            device=device.pk, actor=actor, location=item.location, detail=item.detail, flags=item.flags,
            personal_digest=item.seal.digest if item.seal else None)
        link = chain.link_hash(prev, content)
        parcel.chain_length, parcel.chain_head = seq, link
        parcel.status, parcel.status_since = rules.status_transition(
            event_type=item.type, current_status=parcel.status, occurred_at=item.occurred_at,
            status_since=parcel.status_since)
        touched[parcel.id] = parcel
        item.status, item.chain_hash = ACCEPTED, link
        rows.append((item, seq, prev, link))
    if not rows:
        return
    inserted = _insert(rows, device=device, now=now, actor=actor)
    if inserted != len(rows):
        raise _RaceLost()
    personal_rows_insert([(item.seal, item.parcel.id, seq, item.occurred_at, item.parcel.accepted_at)
                          for item, seq, _, _ in rows
                          if item.seal is not None])
    _update_parcels(list(touched.values()), now)
    placed = [r[0] for r in rows if r[0].facility_id is not None]
    territory_record(parcel_provinces={(item.parcel.id, place.province) for item in placed
                                       if not item.parcel.in_province},
                     vehicle_provinces={(item.vehicle_id, place.province) for item in placed
                                        if item.vehicle_id is not None and SCANS[item.type].meta.leg != Leg.NONE})
    _raise_alerts([r[0] for r in rows if r[0].flags], device=device, now=now)


def _insert(rows, *, device, now, actor) -> int:
    table = CheckpointEvent._meta.db_table
    if connection.vendor != "postgresql":
        objs = [CheckpointEvent(
            event_id=item.event_id, organization_id=device.organization_id, parcel_id=item.parcel.id,
            parcel_accepted_at=item.parcel.accepted_at, seq=seq,
            type=item.type,
            occurred_at=item.occurred_at, recorded_at=now, facility_id=item.facility_id, vehicle_id=item.vehicle_id,
            courier_id=item.courier_id, device_id=device.pk, actor=actor, location=item.location, detail=item.detail,
            flags=item.flags, content_digest=item.digest, personal_digest=item.seal.digest if item.seal else "",
            prev_hash=prev, hash=link) for item, seq, prev, link in rows]
        CheckpointEvent.objects.bulk_create(objs)
        log_leaves_add(LINK, [(o.hash, o.parcel_accepted_at) for o in objs])
        return len(objs)
    # PostgreSQL: COPY the batch into a session-local staging table, then one INSERT … SELECT … ON CONFLICT.
    # COPY's text format is far cheaper to produce and parse than a 17-column VALUES list.
    buffer = io.StringIO()
    write = buffer.write
    device_id, organization_id, recorded = str(device.pk), str(device.organization_id), now.isoformat()
    for item, seq, prev, link in rows:
        write("\t".join((
            item.event_key, organization_id, item.parcel.key, item.parcel.accepted_key, str(seq), item.type,
            item.occurred_at.isoformat(),
            recorded,
            _copy_value(item.facility_id), _copy_value(item.vehicle_id), _copy_value(item.courier_id), device_id,
            _copy_text(actor), _copy_json(item.location), _copy_json(item.detail), _copy_json(item.flags),
            item.digest, item.seal.digest if item.seal else "", prev, link)))
        write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # Emptied before use, in the same round trip (not TRUNCATE: a new file each time; commits empty it anyway).
        raw.execute(f'CREATE TEMP TABLE IF NOT EXISTS ingest_staging ON COMMIT DELETE ROWS AS '
                    f'SELECT {COLUMNS} FROM "{table}" WITH NO DATA; DELETE FROM ingest_staging')
        raw.copy_expert(f"COPY ingest_staging ({COLUMNS}) FROM STDIN", buffer)
        # The links and their pending leaves in the transparency log, in one statement (no lock).
        raw.execute(f'WITH stored AS (INSERT INTO "{table}" ({COLUMNS}) SELECT {COLUMNS} FROM ingest_staging '
                    "ON CONFLICT (organization_id, event_id, parcel_accepted_at) DO NOTHING RETURNING hash, "
                    "parcel_accepted_at) "
                    f'INSERT INTO "{PENDING_TABLE}" (data, queued_at, record_at) SELECT %s || hash, %s, '
                    "parcel_accepted_at FROM stored",
                    [f"{LINK}:", timezone.now()])  # queued now, whatever time the links record
        inserted = raw.rowcount
    return inserted


COLUMNS = ("event_id, organization_id, parcel_id, parcel_accepted_at, seq, type, occurred_at, recorded_at, facility_id, "
           "vehicle_id, courier_id, device_id, actor, location, detail, flags, content_digest, personal_digest, prev_hash, "
           "hash")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_value(value) -> str:
    return "\\N" if value is None else str(value)


def _copy_json(value) -> str:
    if value is None:
        return "\\N"
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return orjson.dumps(value).decode().translate(_COPY_ESCAPES)


def _update_parcels(parcels: list[ParcelState], now) -> None:
    if connection.vendor != "postgresql":
        Parcel.objects.bulk_update(
            [Parcel(id=p.id, chain_length=p.chain_length, chain_head=p.chain_head, status=p.status,
                    status_since=p.status_since, updated_at=now)
             for p in parcels], ["chain_length", "chain_head", "status", "status_since", "updated_at"])
        return
    table = Parcel._meta.db_table
    # ``p.id = ANY(…)`` as well: the parcels are found through the primary key whatever the planner thinks of the
    # table's size (without it, a hash join over a sequential scan of every parcel whenever statistics lag).
    sql = (f'UPDATE "{table}" AS p SET chain_length = v.length, chain_head = v.head, status = v.status, '
           "status_since = v.status_since, updated_at = %s "
           "FROM unnest(%s::uuid[], %s::int[], %s::text[], %s::text[], %s::timestamptz[]) "
           "AS v(id, length, head, status, status_since) WHERE p.id = v.id AND p.id = ANY(%s::uuid[])")
    keys = [p.key for p in parcels]
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, keys, [p.chain_length for p in parcels], [p.chain_head for p in parcels],
                             [p.status for p in parcels], [p.status_since for p in parcels], keys])


def _raise_alerts(items: list[Item], *, device, now) -> None:
    """The batch's flagged scans as alert occurrences, raised set-based: one open alert per (parcel, kind) whose
    count grows; and where one kind of flag comes from this device at least ``GREENSHIELD_ALERT_BURST_THRESHOLD``
    times in the batch (a clock a day behind flags every scan), one device-level alert with the count, which alone
    notifies people — the parcels' alerts of the burst stay listed on their parcels without an inbox storm."""
    from apps.compliance.services import Occurrence, alerts_aggregate

    by_kind: dict[str, list[tuple[Item, str]]] = {}
    for item in items:
        for kind in rules.alerts_for_flags(item.flags):
            by_kind.setdefault(kind, []).append((item, kind))
    threshold = settings.GREENSHIELD_ALERT_BURST_THRESHOLD
    occurrences = []
    for kind, found in by_kind.items():
        burst = len(found) >= threshold
        occurrences += [Occurrence(
            kind=kind, aggregate_key=f"parcel:{item.parcel.key}:{kind}", facility_id=item.facility_id,
            parcel_id=item.parcel.id, waybill_no=item.waybill_no, notify=not burst,
            summary=f"{item.waybill_no}: {item.type} scanned by {device.serial} — {kind.replace('_', ' ')}",
            detail={"event_id": item.event_key, "type": item.type, "flags": item.flags}) for item, _ in found]
        if burst:
            occurrences.append(Occurrence(
                kind=AlertKind.DEVICE_FLAG_BURST, aggregate_key=f"device:{device.pk}:{kind}",
                facility_id=device.facility_id, count=len(found),
                summary=f"Device {device.serial}: burst of scans flagged {kind.replace('_', ' ')}",
                detail={"device": device.serial, "flagged": kind, "event_id": found[-1][0].event_key}))
    alerts_aggregate(organization_id=device.organization_id, occurrences=occurrences, now=now)


def _conflict_alerts(items: list[Item], *, device) -> None:
    """A reused event_id with other content is a security matter: one alert per conflicting id and content."""
    from apps.compliance.services import alert_raise

    for item in items:
        if item.status == CONFLICT:
            alert_raise(kind=AlertKind.EVENT_ID_CONFLICT, organization=device.organization,
                        facility_id=device.facility_id, waybill_no=item.waybill_no,
                        summary=f"Device {device.serial} sent event {item.event_id} again with other content",
                        detail={"event_id": str(item.event_id), "device": device.serial},
                        dedup_key=f"conflict:{item.event_id}:{item.digest[:16]}")

