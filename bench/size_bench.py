"""make bench (size): capture throughput and trace latency at 10^5 and again at 10^7 checkpoint events — the cost
of the two hot paths must not grow with the size of the evidence (issue 16: ratio ≥ 0.8 for both).

1. A scratch PostgreSQL database (``--database``, default ``greenshield_sizebench``, dropped and recreated; dropped
   afterwards with its copy unless ``--keep``), migrated, with the ingest bench's company, hub, vehicle, device, a
   few couriers and a supervisor.
2. Filler loaded by COPY: parcels accepted over the last ``--days`` days, each with its acceptance record (with its
   inspection and verification) and a chain of 10 links (acceptance, inspection, 8 scans) — ``--small`` links in
   all — then ANALYZE, and the new parcels (accepted this month) every capture run will scan. That database is
   copied (``<database>_small``): the small side of the comparison.
3. The filler grown to ``--large`` links (COPY again, progress with rows/s and ETA), ANALYZE.
4. Measured alternately, large, small, small, large (``--rounds``), so the shared machine's drift hits both sizes:
   capture through the whole stack (gunicorn, a Celery worker, Redis; batches of 500 from 2 clients, a warm-up and
   ``--capture-rounds`` runs), then — once the worker's backlog has drained — ``GET
   /api/v1/parcels/<waybill>/trace/`` as the supervisor, sequentially, for ``--traces`` random filler parcels:
   p50/p95; and the statements the database was busy with.
5. The ratios: capture at large / at small, trace p50 at small / at large (≥ 0.8: flat).

The COPY column lists come from the live tables (information_schema), and every column the filler does not set
takes the value of a prototype row the project's own code wrote (so a NOT NULL column added by a migration is
filled); ``parcel_accepted_at`` (events partitioned by their parcel's acceptance) is set when the column exists.
Filler chain hashes are arbitrary hex and the recipient columns hold the prototype's ciphertext (it decrypts only
for its own row), except for the parcels the bench traces: their links are hashed for real and their recipient
encrypted for their own row, so a trace does all the work it does in production. Foreign keys are not checked
during the load (``session_replication_role = replica``): every reference is one the bench created.

    python bench/size_bench.py [--small 100000] [--large 10000000] [--skip-large] [--keep] [--rounds 2]

On this machine (2 cores, shared) the 10^7 filler loads in ~10 min (~60 s per 10^6 links with their parcels) and
takes ~9 GB; the whole run is ~20 min.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import http.client
import io
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import (  # noqa: E402 - the shared set-up of the ingest bench
    PLATE,
    create_parcels,
    make_batches,
    recreate_database,
    setup_references,
)
from stack import free_port, log, run_full_stack, stack_env, start_gunicorn, start_worker, stop  # noqa: E402

LINKS_PER_PARCEL = 10
COURIERS = 20
# A parcel's chain: (type, seconds after acceptance). The first two are written by the acceptance service.
CHAIN = [("ACCEPTED", 0), ("INSPECTED", 30), ("ARRIVED", 7200), ("SORTED", 9000), ("LOADED", 10800),
         ("DEPARTED", 11500), ("UNLOADED", 43200), ("HANDOVER", 50400), ("OUT_FOR_DELIVERY", 54000),
         ("DELIVERED", 64800)]
SYSTEM_TYPES = {"ACCEPTED", "INSPECTED"}
VEHICLE_TYPES = {"LOADED", "DEPARTED", "UNLOADED"}
COURIER_TYPES = {"HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED"}
PERSONAL_TYPES = {"OUT_FOR_DELIVERY", "DELIVERED"}  # their location lives encrypted apart from the link
LOCATION = json.dumps({"lat": 31.2, "lon": 121.5})
EVENTS = "tracking_checkpointevent"
PARCELS = "parcels_parcel"
ACCEPTANCES = "parcels_acceptancerecord"
INSPECTIONS = "parcels_inspection"
VERIFICATIONS = "senders_verification"
ROWS_PER_PARCEL = LINKS_PER_PARCEL + 4  # the links, the parcel, its acceptance, inspection and verification


def waybill(n: int) -> str:
    return f"SZ{n:012d}"


def utc(epoch: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC)


def compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- COPY rows shaped by the live table -----------------------------------------------------------------------------
class RowTemplate:
    """One COPY text line of ``table`` per call: the columns the bench sets come from a dict, every other column
    is the prototype row's value as PostgreSQL printed it. Identity and generated columns are left to the table."""

    def __init__(self, cursor, table: str, prototype_where: str, params: tuple, overrides: set[str]):
        cursor.execute("SELECT column_name, is_nullable, column_default FROM information_schema.columns "
                       "WHERE table_schema = current_schema() AND table_name = %s AND is_identity = 'NO' "
                       "AND is_generated = 'NEVER' ORDER BY ordinal_position", [table])
        described = cursor.fetchall()
        self.table = table
        self.columns = [name for name, _, _ in described]
        out = io.StringIO()
        select = cursor.mogrify(f'SELECT {", ".join(self.columns)} FROM "{table}" WHERE {prototype_where}',  # noqa: S608
                                params).decode()
        cursor.copy_expert(f"COPY ({select}) TO STDOUT", out)
        lines = out.getvalue().splitlines()
        if len(lines) != 1:
            raise SystemExit(f"the prototype row of {table} was not found ({len(lines)} rows)")
        self.prototype = dict(zip(self.columns, lines[0].split("\t"), strict=True))
        for name, nullable, default in described:
            if nullable == "NO" and name not in overrides and self.prototype[name] == r"\N" and default is None:
                raise SystemExit(f"{table}.{name} is NOT NULL but the prototype row has no value for it")
        self.overrides = overrides
        self.format = self.specialise({})

    def specialise(self, fixed: dict) -> str:
        """The line's format with the ``fixed`` values filled in, the other columns the bench sets left to %."""
        parts = []
        for column in self.columns:
            if column in fixed:
                parts.append((r"\N" if fixed[column] is None else str(fixed[column])).replace("%", "%%"))
            elif column in self.overrides:
                parts.append(f"%({column})s")
            else:
                parts.append(self.prototype[column].replace("%", "%%"))
        return "\t".join(parts) + "\n"

    def copy_sql(self) -> str:
        return f'COPY "{self.table}" ({", ".join(self.columns)}) FROM STDIN'


class LineStream:
    """A file for ``copy_expert``: reads lines from a generator and reports progress (rows/s, ETA)."""

    def __init__(self, lines, progress: Progress):
        self.lines = lines
        self.progress = progress

    def read(self, size: int = -1) -> str:
        chunk = []
        length = 0
        for line in self.lines:
            chunk.append(line)
            length += len(line)
            if length >= size > 0:
                break
        self.progress.add(len(chunk))
        return "".join(chunk)


class Progress:
    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, total, 0
        self.started = self.last = time.perf_counter()

    def add(self, rows: int) -> None:
        self.done += rows
        now = time.perf_counter()
        if now - self.last >= 10:
            self.last = now
            rate = self.done / (now - self.started)
            log(f"      {self.label}: {self.done:,}/{self.total:,} rows, {rate:,.0f} rows/s, "
                f"ETA {(self.total - self.done) / rate:,.0f} s")


# -- the filler -----------------------------------------------------------------------------------------------------
class Filler:
    """Parcels ``SZ…`` numbered 0…n-1, each accepted at its own instant of the acceptance period and carrying a
    10-link chain; ``whole`` parcels (the ones the bench traces) get real hashes and their own ciphertext."""

    def __init__(self, conn, refs, *, days: int, whole: set[int], seed: int):
        from apps.accounts.models import Device
        from apps.organizations.models import Staff, Vehicle
        from apps.parcels.models import AcceptanceRecord, Parcel
        from greenshield.identity import make_resident_id

        self.conn, self.refs, self.whole = conn, refs, whole
        self.random = random.Random(seed)
        now = time.time()
        self.period = (now - days * 86400, now - 3600 - CHAIN[-1][1])  # every filler chain ends before now
        self.device = Device.objects.get(serial="BENCH-SCANNER")
        self.vehicle = Vehicle.objects.get(plate=PLATE)
        couriers = [refs.courier] + [
            Staff.objects.create(employee_no=f"B{n:04d}", organization=refs.organization, facility=refs.hub,
                                 name="测试", id_type="RESIDENT_ID", phone=f"+86138000{n:05d}",
                                 id_number=make_resident_id("310115", datetime.date(1990, 1, 1), n))
            for n in range(2, COURIERS + 1)]
        self.couriers = [str(c.pk) for c in couriers]
        self.uuid = Parcel._meta.pk.default  # the project's own parcel ids (uuid4 today, time-ordered tomorrow)
        self.acceptance_uuid = AcceptanceRecord._meta.pk.default
        # The prototypes: one parcel accepted and scanned by the project's own code.
        create_parcels(refs, ["SZPROTOTYPE"], datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days))
        parcel = Parcel.objects.select_related("acceptance").get(waybill_no="SZPROTOTYPE")
        from apps.parcels.models import Inspection
        from apps.senders.models import Verification

        inspection = Inspection.objects.create(acceptance=parcel.acceptance, inspector=refs.courier,
                                               inspected_at=parcel.accepted_at, sender_present=True, result="PASS",
                                               notes="", safety_certificate_ref="")
        verification = Verification.objects.create(acceptance=parcel.acceptance, sender=refs.sender,
                                                   verified_by=refs.courier, method="ID_CARD_READER",
                                                   identity_matched=True, verified_at=parcel.accepted_at)
        self.verification_uuid = Verification._meta.pk.default
        from apps.parcels.chain import LinkSpec, chain_append

        chain_append(parcel=parcel, links=[LinkSpec(type="ARRIVED", occurred_at=parcel.accepted_at,
                                                    facility=refs.hub, device=self.device, actor="bench")])
        self.prototype_acceptance = parcel.acceptance
        from apps.common.fields import EncryptedTextField

        self.encrypted = [f for f in AcceptanceRecord._meta.concrete_fields if isinstance(f, EncryptedTextField)
                          and parcel.acceptance.__dict__.get(f.attname) is not None]
        with conn.cursor() as cur:
            self.acceptances = RowTemplate(cur, ACCEPTANCES, "id = %s", (str(parcel.acceptance_id),),
                                           {"id", "waybill_no", "recorded_at", *(f.column for f in self.encrypted)})
            self.inspections = RowTemplate(cur, INSPECTIONS, "id = %s", (inspection.pk,),
                                           {"acceptance_id", "inspected_at"})
            self.verifications = RowTemplate(cur, VERIFICATIONS, "id = %s", (str(verification.pk),),
                                             {"id", "acceptance_id", "verified_at"})
            self.parcels = RowTemplate(cur, PARCELS, "id = %s", (str(parcel.pk),),
                                       {"id", "waybill_no", "acceptance_id", "accepted_at", "status", "status_since",
                                        "screening_status", "chain_length", "chain_head", "updated_at"})
            self.events = RowTemplate(cur, EVENTS, "parcel_id = %s", (str(parcel.pk),),
                                      {"event_id", "parcel_id", "seq", "type", "occurred_at", "recorded_at",
                                       "facility_id", "vehicle_id", "courier_id", "device_id", "actor", "location",
                                       "detail", "flags", "content_digest", "personal_digest", "prev_hash", "hash",
                                       "parcel_accepted_at"})
        from greenshield.chain import GENESIS

        self.genesis = GENESIS
        self.fast = self._fast_formats()
        self.accepted_detail = compact(self._detail("ACCEPTED", "@acceptance@"))
        partitioned = "parcel_accepted_at" in self.events.columns
        log(f"      COPY columns from the live tables: {len(self.events.columns)} of {EVENTS}"
            f"{' (parcel_accepted_at set: partitioned by acceptance)' if partitioned else ''}, "
            f"{len(self.parcels.columns)} of {PARCELS}, {len(self.acceptances.columns)} of {ACCEPTANCES} "
            f"(with {INSPECTIONS} and {VERIFICATIONS})")

    def _parcel(self, n: int, count: int, first: int) -> dict:
        """Parcel ``n`` of a load of ``count`` parcels starting at ``first``: spread evenly over the period."""
        start, end = self.period
        at = start + (n - first + self.random.random()) / count * (end - start)
        return {"n": n, "id": self.uuid(), "acceptance_id": self.acceptance_uuid(), "at": at,
                "accepted_text": utc(at).isoformat(), "courier": self.couriers[n % len(self.couriers)]}

    def _detail(self, kind: str, acceptance_id: str) -> dict:
        if kind == "ACCEPTED":
            return {"acceptance": acceptance_id, "items": 1, "weight_g": 500, "recipient_region_code": "320102",
                    "real_name": {"method": "ID_CARD_READER", "identity_matched": True,
                                  "sender": str(self.refs.sender.pk), "contract_customer": False}}
        if kind == "INSPECTED":
            return {"result": "PASS", "sender_present": True, "safety_certificate_ref": ""}
        if kind == "DELIVERED":
            return {"received_by": "RECIPIENT"}
        return {}

    def _fast_formats(self) -> list[tuple[int, int, str]]:
        """Per link of the chain: its offset after acceptance, its recording lag and its line format with what
        every parcel's link at that place shares already filled in."""
        formats = []
        for seq, (kind, offset) in enumerate(CHAIN, start=1):
            system = kind in SYSTEM_TYPES
            fixed = {"seq": seq, "type": kind, "facility_id": self.refs.hub.pk,
                     "vehicle_id": self.vehicle.pk if kind in VEHICLE_TYPES else None,
                     "device_id": None if system else self.device.pk,
                     "actor": "bench" if system else "device:BENCH-SCANNER",
                     "location": None if system or kind in PERSONAL_TYPES else LOCATION, "flags": "[]",
                     "content_digest": "", "personal_digest": ""}
            if not (system or kind in COURIER_TYPES):
                fixed["courier_id"] = None
            if kind != "ACCEPTED":
                fixed["detail"] = compact(self._detail(kind, ""))
            formats.append((offset, 0 if system else 2, self.events.specialise(fixed)))
        return formats

    def _fast_lines(self, p: dict) -> list[str]:
        """The COPY lines of a filler parcel's links: arbitrary hashes, nothing re-computed per link."""
        parcel_id, parcel_hex, at = str(p["id"]), p["id"].hex, p["at"]
        accepted_text = p["accepted_text"]
        randoms = os.urandom(16 * LINKS_PER_PARCEL).hex()
        values = {"parcel_id": parcel_id, "courier_id": p["courier"], "parcel_accepted_at": accepted_text,
                  "detail": self.accepted_detail.replace("@acceptance@", str(p["acceptance_id"]))}
        prev = self.genesis
        lines = []
        for i, (offset, lag, line_format) in enumerate(self.fast):
            h = randoms[32 * i:32 * i + 32]
            occurred = utc(at + offset)
            values["occurred_at"] = occurred.isoformat()
            values["recorded_at"] = (occurred + datetime.timedelta(seconds=lag)).isoformat() if lag \
                else values["occurred_at"]
            values["event_id"] = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"
            values["prev_hash"] = prev
            values["hash"] = prev = h + parcel_hex
            lines.append(line_format % values)
        p["head"] = prev
        p["delivered_at"] = values["occurred_at"]
        return lines

    def _event_lines(self, p: dict) -> list[str]:
        if p["n"] in self.whole:
            return [self.events.format % link for link in self._links(p)]
        return self._fast_lines(p)

    def _links(self, p: dict) -> list[dict]:
        from apps.parcels.chain import event_content
        from apps.parcels.models import CheckpointEvent
        from greenshield import chain

        accepted = utc(p["at"])
        accepted_text = accepted.isoformat()
        hub, device, vehicle = self.refs.hub.pk, self.device.pk, self.vehicle.pk
        whole = p["n"] in self.whole
        prev = chain.GENESIS
        links = []
        for seq, (kind, offset) in enumerate(CHAIN, start=1):
            occurred = utc(p["at"] + offset)
            system = kind in SYSTEM_TYPES
            recorded = occurred if system else occurred + datetime.timedelta(seconds=2)
            detail = self._detail(kind, str(p["acceptance_id"]))
            event_id = uuid.uuid4()
            row = {"event_id": event_id, "parcel_id": p["id"], "seq": seq, "type": kind,
                   "occurred_at": occurred, "recorded_at": recorded, "facility_id": hub,
                   "vehicle_id": vehicle if kind in VEHICLE_TYPES else None,
                   "courier_id": p["courier"] if system or kind in COURIER_TYPES else None,
                   "device_id": None if system else device, "actor": "bench" if system else "device:BENCH-SCANNER",
                   "location": None if system or kind in PERSONAL_TYPES else json.loads(LOCATION),
                   "detail": detail, "flags": [], "personal_digest": ""}
            if whole:
                link_hash = chain.link_hash(prev, event_content(CheckpointEvent(**row)))
            else:
                link_hash = event_id.hex + p["id"].hex
            links.append({**row, "event_id": str(event_id), "parcel_id": str(p["id"]),
                          "occurred_at": occurred.isoformat(), "recorded_at": recorded.isoformat(),
                          "vehicle_id": r"\N" if row["vehicle_id"] is None else row["vehicle_id"],
                          "courier_id": r"\N" if row["courier_id"] is None else row["courier_id"],
                          "device_id": r"\N" if row["device_id"] is None else row["device_id"],
                          "location": r"\N" if row["location"] is None else LOCATION,
                          "detail": compact(detail), "flags": "[]",
                          "content_digest": "", "prev_hash": prev, "hash": link_hash,
                          "parcel_accepted_at": accepted_text})
            prev = link_hash
        p["head"] = prev
        p["delivered_at"] = links[-1]["occurred_at"]
        return links

    def _acceptance_line(self, p: dict) -> str:
        values = {"id": p["acceptance_id"], "waybill_no": waybill(p["n"]), "recorded_at": p["accepted_text"]}
        if p["n"] in self.whole:  # its own ciphertext, bound to its row, so the trace can show it masked
            from apps.parcels.models import AcceptanceRecord

            record = AcceptanceRecord(id=p["acceptance_id"])
            for field in self.encrypted:
                values[field.column] = field.encrypt_for(record, getattr(self.prototype_acceptance, field.name))
        else:
            for field in self.encrypted:
                values[field.column] = self.acceptances.prototype[field.column]
        return self.acceptances.format % values

    def load(self, first: int, count: int, *, chunk: int = 50_000) -> float:
        """COPY parcels ``first``…``first+count-1`` with their acceptances and links; returns the seconds taken."""
        total = count * ROWS_PER_PARCEL
        progress = Progress(f"COPY {count:,} parcels, {count * LINKS_PER_PARCEL:,} links", total)
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            cur.execute("SET session_replication_role = replica")  # no per-row FK checks: the bench made each ref
            for low in range(first, first + count, chunk):
                parcels = [self._parcel(n, count, first) for n in range(low, min(low + chunk, first + count))]
                cur.copy_expert(self.acceptances.copy_sql(),
                                LineStream((self._acceptance_line(p) for p in parcels), progress), size=1 << 20)
                cur.copy_expert(self.inspections.copy_sql(), LineStream((self.inspections.format % {
                    "acceptance_id": p["acceptance_id"], "inspected_at": p["accepted_text"]} for p in parcels),
                    progress), size=1 << 20)
                cur.copy_expert(self.verifications.copy_sql(), LineStream((self.verifications.format % {
                    "id": self.verification_uuid(), "acceptance_id": p["acceptance_id"],
                    "verified_at": p["accepted_text"]} for p in parcels), progress), size=1 << 20)
                cur.copy_expert(self.events.copy_sql(), LineStream(
                    (line for p in parcels for line in self._event_lines(p)), progress), size=1 << 20)
                updated = datetime.datetime.now(datetime.UTC).isoformat()
                cur.copy_expert(self.parcels.copy_sql(), LineStream((self.parcels.format % {
                    "id": p["id"], "waybill_no": waybill(p["n"]), "acceptance_id": p["acceptance_id"],
                    "accepted_at": p["accepted_text"], "status": "DELIVERED", "status_since": p["delivered_at"],
                    "screening_status": "PENDING",
                    "chain_length": LINKS_PER_PARCEL, "chain_head": p["head"], "updated_at": updated}
                    for p in parcels), progress), size=1 << 20)
                self.conn.commit()
            cur.execute("SET session_replication_role = DEFAULT")
        self.conn.commit()
        seconds = time.perf_counter() - started
        log(f"      loaded in {seconds:,.1f} s: {total / seconds:,.0f} rows/s, "
            f"{seconds / (count * LINKS_PER_PARCEL / 1e6):,.1f} s per 10^6 links (with their parcels)")
        analyze_started = time.perf_counter()
        with self.conn.cursor() as cur:
            for table in (ACCEPTANCES, INSPECTIONS, VERIFICATIONS, PARCELS, EVENTS):
                cur.execute(f'ANALYZE "{table}"')
        self.conn.commit()
        log(f"      ANALYZE in {time.perf_counter() - analyze_started:,.1f} s")
        return seconds


# -- the measurements -----------------------------------------------------------------------------------------------
class ActivitySampler(threading.Thread):
    """Samples the database's active statements (gunicorn's and the worker's) twice a second: where the time goes
    at each size, and whether the stack has gone quiet."""

    def __init__(self, db_url: str):
        super().__init__(daemon=True)
        self.conn = psycopg2.connect(db_url)
        self.conn.autocommit = True
        self.seen: collections.Counter = collections.Counter()
        self.active = 0
        self.running = True

    def run(self) -> None:
        with self.conn.cursor() as cur:
            while self.running:
                cur.execute("SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'")
                rows = [r[0] for r in cur.fetchall()]
                self.active = len(rows)
                self.seen.update(rows)
                time.sleep(0.5)

    def top(self, n: int = 4) -> list[str]:
        total = sum(self.seen.values()) or 1
        return [f"{count / total:4.0%}  {query}" for query, count in self.seen.most_common(n)]

    def stop(self) -> None:
        self.running = False
        self.join()
        self.conn.close()


def drain(redis_url: str, sampler: ActivitySampler, limit: float = 300) -> float:
    """Wait until the worker's queue is empty and no statement has run for 2 s; returns the seconds waited."""
    import redis

    queue = redis.Redis.from_url(redis_url)
    started = time.perf_counter()
    quiet_since = None
    while time.perf_counter() - started < limit:
        if queue.llen("celery") == 0 and sampler.active == 0:
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since >= 2:
                break
        else:
            quiet_since = None
        time.sleep(0.25)
    queue.close()
    return time.perf_counter() - started


def capture_waybills(measurement: int, args) -> list[list[str]]:
    """The new parcels each capture run of a measurement scans (the first run warms the stack up)."""
    return [[f"SZC{measurement:02d}{n}{i:07d}" for i in range(args.capture_parcels)]
            for n in range(args.capture_rounds + 1)]


def measure(db_url: str, redis_url: str, refs, args, label: str, capture: list[list[str]], sample: list[int],
            warmup: list[int], token: str) -> dict:
    """Capture through the whole stack, then trace latency, on the database as it is now."""
    capture_rounds = []
    plans = [make_batches(waybills, refs.courier.employee_no, args.batch_size, args.clients) for waybills in capture]
    port = args.port or free_port()
    worker = start_worker(db_url, redis_url, args.celery_concurrency)
    server = start_gunicorn(db_url, port, args.workers, env=stack_env(db_url, redis_url))
    sampler = ActivitySampler(db_url)
    sampler.start()
    try:
        for n, plan in enumerate(plans):
            rate, _ = run_full_stack(port, refs.device_key, plan, f"capture at {label}")
            if n:
                capture_rounds.append(rate)
            log(f"      capture {'warm-up' if not n else f'run {n}'}: {rate:,.0f} scans/s "
                f"(load average {os.getloadavg()[0]:.1f})")
        log("      the database's active statements during capture (share of samples):")
        for line in sampler.top():
            log(f"        {line}")
        waited = drain(redis_url, sampler)
        log(f"      the worker's backlog drained and the database quiet after {waited:.1f} s")
        sampler.seen.clear()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Token {token}"}
        latencies = []
        for i, n in enumerate(warmup + sample):
            started = time.perf_counter()
            conn.request("GET", f"/api/v1/parcels/{waybill(n)}/trace/", headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise SystemExit(f"trace of {waybill(n)}: HTTP {response.status} {body[:300]!r}")
            trace = json.loads(body)
            if len(trace["events"]) != LINKS_PER_PARCEL:
                raise SystemExit(f"trace of {waybill(n)} has {len(trace['events'])} links")
            if i >= len(warmup):
                if not trace["integrity"]["valid"] or not trace["recipient"]:
                    raise SystemExit(f"trace of {waybill(n)} is not whole: {trace['integrity']}")
                latencies.append(elapsed * 1000)
        conn.close()
        log(f"      traces done (load average {os.getloadavg()[0]:.1f}); the database's active statements:")
        for line in sampler.top():
            log(f"        {line}")
    finally:
        sampler.stop()
        stop(server)
        stop(worker)
    latencies.sort()
    return {"capture": statistics.mean(capture_rounds), "capture_runs": capture_rounds,
            "p50": statistics.median(latencies), "p95": latencies[int(0.95 * (len(latencies) - 1))]}


def report(label: str, result: dict) -> None:
    log(f"      at {label}: capture {result['capture']:,.0f} scans/s (runs: "
        f"{', '.join(f'{r:,.0f}' for r in result['capture_runs'])}); "
        f"trace p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms")


def table_sizes(conn) -> str:
    with conn.cursor() as cur:
        cur.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{EVENTS}')), pg_size_pretty(pg_database_size("
                    "current_database()))")
        events, database = cur.fetchone()
    conn.commit()
    return f"{EVENTS} {events}, database {database}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000, help="filler links at the first size (default 10^5)")
    parser.add_argument("--large", type=int, default=10_000_000, help="filler links at the second size (default 10^7)")
    parser.add_argument("--skip-large", action="store_true", help="measure the small size only")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases afterwards")
    parser.add_argument("--days", type=int, default=60, help="the acceptance period of the filler (default 60 days)")
    parser.add_argument("--capture-parcels", type=int, default=1000,
                        help="new parcels per capture run, 10 scans each (default 1000: 10,000 scans)")
    parser.add_argument("--capture-rounds", type=int, default=2, help="capture runs per measurement after a warm-up")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measurements per size; the sizes alternate (default 2: large, small, small, large)")
    parser.add_argument("--traces", type=int, default=300, help="trace requests per measurement (default 300)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core)")
    parser.add_argument("--celery-concurrency", type=int, default=1)
    parser.add_argument("--database", default="greenshield_sizebench")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: any free one)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if not base.startswith("postgres"):
        raise SystemExit("the size bench needs PostgreSQL: set DATABASE_URL=postgres://…")
    small, large = args.small // LINKS_PER_PARCEL, args.large // LINKS_PER_PARCEL
    sizes = [("10^5" if args.small == 100_000 else f"{args.small:,}", small)]
    if not args.skip_large:
        if large <= small:
            raise SystemExit("--large must be more than --small")
        sizes.append(("10^7" if args.large == 10_000_000 else f"{args.large:,}", large))
    rounds = args.rounds
    # Every measurement traces parcels of its own (no page is warm from an earlier one), all hashed for real.
    picker = random.Random(args.seed)
    traced = {}
    for label, parcels in sizes:
        drawn = picker.sample(range(parcels), min(rounds * (args.traces + 20), parcels))
        per = len(drawn) // rounds
        traced[label] = [(drawn[r * per + 20:(r + 1) * per], drawn[r * per:r * per + 20]) for r in range(rounds)]
    whole = {n for plan in traced.values() for sample, warmup in plan for n in sample + warmup}

    log(f"[1/5] scratch database {args.database}")
    db_url = recreate_database(base, args.database)
    conn = psycopg2.connect(db_url)  # the figures depend on the server's cache
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_setting('shared_buffers'), current_setting('effective_cache_size')")
        log("      PostgreSQL shared_buffers {}, effective_cache_size {} (as deployed: ~25 % of RAM for "
            "shared_buffers)".format(*cursor.fetchone()))
    conn.close()
    small_db = f"{args.database}_small"
    databases = [args.database] + ([] if args.skip_large else [small_db])
    refs = setup_references(db_url)
    from apps.accounts.services import account_save, token_issue
    from greenshield.enums import Role

    supervisor = account_save(username="bench_supervisor", role=Role.SUPERVISOR, organization=refs.organization)
    token, _ = token_issue(user=supervisor)
    conn = psycopg2.connect(db_url)
    filler = Filler(conn, refs, days=args.days, whole=whole, seed=args.seed)
    schedule = []  # (label, database url): large and small alternate, ABBA, so drift in the machine hits both
    for r in range(rounds):
        pair = [(label, db_url if label == sizes[-1][0] else db_url.rsplit("/", 1)[0] + "/" + small_db)
                for label, _ in reversed(sizes)]
        schedule += pair if r % 2 == 0 else pair[::-1]
    results: dict[str, list[dict]] = {label: [] for label, _ in sizes}
    try:
        label, parcels = sizes[0]
        log(f"[2/5] filler to {parcels * LINKS_PER_PARCEL:,} links ({parcels:,} parcels over {args.days} days)")
        filler.load(0, parcels)
        log(f"      {table_sizes(conn)}")
        from apps.parcels.models import Parcel

        now = datetime.datetime.now(datetime.UTC)
        for m in range(len(schedule)):  # before the copy, so each database holds every run's new parcels
            for waybills in capture_waybills(m, args):
                create_parcels(refs, waybills, now - datetime.timedelta(hours=1))
        with conn.cursor() as cur:
            cur.execute(f'ANALYZE "{PARCELS}"')
        conn.commit()
        log(f"      {Parcel.objects.filter(waybill_no__startswith='SZC').count():,} new parcels this month for "
            f"{len(schedule)} measurements of {args.capture_rounds + 1} capture runs")
        if not args.skip_large:
            from django.db import connections

            conn.close()
            connections.close_all()
            admin = psycopg2.connect(base.rsplit("/", 1)[0] + "/postgres")
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{small_db}" WITH (FORCE)')
                cur.execute(f'CREATE DATABASE "{small_db}" TEMPLATE "{args.database}"')
            admin.close()
            log(f"      copied to {small_db}: the {label} side of the comparison")
            conn = filler.conn = psycopg2.connect(db_url)
            large_label, large = sizes[1]
            log(f"[3/5] filler grown to {large * LINKS_PER_PARCEL:,} links ({large:,} parcels over {args.days} days)")
            filler.load(parcels, large - parcels)
            log(f"      {table_sizes(conn)}")
        log(f"[4/5] measuring: {' · '.join(label for label, _ in schedule)} (capture {args.capture_rounds} × "
            f"{args.capture_parcels * LINKS_PER_PARCEL:,} scans and {args.traces} traces each)")
        used = {label: 0 for label, _ in sizes}
        for m, (label, url) in enumerate(schedule):
            sample, warmup = traced[label][used[label]]
            used[label] += 1
            log(f"    at {label} ({url.rsplit('/', 1)[1]}):")
            results[label].append(measure(url, redis_url, refs, args, label, capture_waybills(m, args), sample,
                                          warmup, token))
            report(label, results[label][-1])
    finally:
        conn.close()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin = psycopg2.connect(base.rsplit("/", 1)[0] + "/postgres")
            admin.autocommit = True
            with admin.cursor() as cur:
                for name in databases:
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    log("[5/5] results (the machine is shared: the sizes alternate, compare the ratios, not the rates)")
    summary = {}
    for label, runs in results.items():
        summary[label] = {key: statistics.mean(r[key] for r in runs) for key in ("capture", "p50", "p95")}
        captures = ", ".join(format(r["capture"], ",.0f") for r in runs)
        p50s = ", ".join(format(r["p50"], ".1f") for r in runs)
        log(f"size {label:>5}: capture {summary[label]['capture']:>8,.0f} scans/s   trace p50 "
            f"{summary[label]['p50']:6.1f} ms  p95 {summary[label]['p95']:6.1f} ms   (mean of {len(runs)} "
            f"measurements: capture {captures}; p50 {p50s})")
    if len(summary) == 2:
        (small_label, a), (large_label, b) = summary.items()
        for name, ratio, of in (("capture", b["capture"] / a["capture"], f"at {large_label} / at {small_label}"),
                                ("trace p50", a["p50"] / b["p50"], f"at {small_label} / at {large_label}")):
            log(f"size ratio {name}: {ratio:.2f} (goal ≥ 0.8: {'flat' if ratio >= 0.8 else 'NOT flat'}; {of})")
        log(f"size ratio trace p95: {a['p95'] / b['p95']:.2f} (for information)")

if __name__ == "__main__":
    main()
