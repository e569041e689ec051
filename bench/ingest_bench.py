"""make bench: checkpoint ingest through the whole stack against a raw batched INSERT, in the same run, and
all-flagged ingest (an alert storm) against unflagged ingest.

1. Creates a scratch PostgreSQL database (``greenshield_bench``), migrates it and loads parcels of one company.
2. Starts the stack as deployed on that database: gunicorn, a Celery worker, Redis (``REDIS_URL``).
3. Full stack: 2 concurrent clients post batches of 500 events over HTTP with a device API key (JSON parse,
   auth, validation, reference lookups, exactly-once check, parcel locks, hash chain, insert, parcel update,
   the last-mile locations encrypted apart from the chain).
4. All flagged: the same journeys for as many other parcels, from a scanner whose clock is a day behind — every
   scan ``before_acceptance`` and raising its alerts (aggregated: one per parcel and kind, one per device burst).
5. Baseline: the same rows inserted by 2 concurrent threads with psycopg2 ``execute_values`` and
   ``INSERT … ON CONFLICT DO NOTHING`` into a table with the same columns, constraints and indexes.
The baseline runs before and after the full-stack runs; the ratio uses their mean, since this machine is shared.
The unflagged and all-flagged runs alternate (``--rounds``), so drift in the machine's load hits both alike.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2.extras import execute_values

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stack import (  # noqa: E402,F401 - re-exported: the other benches take the stack from here too
    UNTHROTTLED,
    free_port,
    log,
    run_full_stack,
    run_threads_timed,
    stack_env,
    start_gunicorn,
    start_worker,
    stop,
)

SCAN_SEQUENCE = ["ARRIVED", "SORTED", "LOADED", "DEPARTED", "UNLOADED", "ARRIVED", "SORTED", "HANDOVER",
                 "OUT_FOR_DELIVERY", "DELIVERED"]
PLATE = "沪A12345"


def admin_dsn(base: str) -> str:
    return base.rsplit("/", 1)[0] + "/postgres"


def recreate_database(base_url: str, name: str) -> str:
    conn = psycopg2.connect(admin_dsn(base_url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return base_url.rsplit("/", 1)[0] + "/" + name


@dataclass
class BenchReferences:
    """The one company's reference data every bench parcel and scan points at."""

    organization: object
    hub: object
    courier: object
    sender: object
    account: object
    device_key: str


def setup_references(db_url: str) -> BenchReferences:
    """Migrate ``db_url`` and create one company, hub, vehicle, courier, device (its API key kept), sender and
    account."""
    os.environ["DATABASE_URL"] = db_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return create_references()


def create_references() -> BenchReferences:
    """The bench company's reference data, in the database Django is connected to."""
    from apps.accounts.models import User
    from apps.accounts.services import device_create
    from apps.organizations.models import Facility, Organization, Staff, Vehicle
    from apps.senders.models import Sender
    from greenshield.identity import make_resident_id

    org = Organization.objects.create(code="BENCH", name="Bench Express", province="310000")
    hub = Facility.objects.create(code="BENCH-HUB", name="Bench hub", kind="HUB", organization=org,
                                  region_code="310115")
    Vehicle.objects.create(plate=PLATE, organization=org)
    courier = Staff.objects.create(employee_no="B0001", organization=org, facility=hub, name="测试",
                                   id_type="RESIDENT_ID", phone="+8613800000001",
                                   id_number=make_resident_id("310115", datetime.date(1990, 1, 1), 1))
    _, key = device_create(serial="BENCH-SCANNER", organization=org, facility=hub)
    sender = Sender.objects.create(name="测试", id_type="RESIDENT_ID", phone="+8613800000002", address="上海",
                                   id_number=make_resident_id("310115", datetime.date(1990, 1, 2), 2))
    account = User.objects.create(username="bench")
    return BenchReferences(org, hub, courier, sender, account, key)


def create_parcels(refs: BenchReferences, waybills: list[str], accepted_at: datetime.datetime) -> None:
    """Accepted parcels (with their acceptance records) of the bench company, ready to be scanned."""
    from apps.parcels.models import AcceptanceRecord, Parcel

    records = [AcceptanceRecord(waybill_no=w, outcome="ACCEPTED", organization=refs.organization, outlet=refs.hub,
                                staff=refs.courier, account=refs.account, sender=refs.sender, recipient_name="收件人",
                                recipient_phone="+8613900000000", recipient_address="南京",
                                recipient_region_code="320102", weight_g=500, recorded_at=accepted_at)
               for w in waybills]
    AcceptanceRecord.objects.bulk_create(records, batch_size=1000)
    Parcel.objects.bulk_create([Parcel(waybill_no=r.waybill_no, organization=refs.organization, outlet=refs.hub,
                                       acceptance=r, sender=refs.sender, accepted_at=accepted_at,
                                       screening_status="CLEAR")
                                for r in records], batch_size=1000)


def setup_data(db_url: str, parcels: int) -> tuple[str, list[str], str]:
    """Migrate and create one company, hub, vehicle, courier, device and ``parcels`` accepted parcels."""
    refs = setup_references(db_url)
    from django.utils import timezone

    log(f"  creating {parcels} parcels …")
    waybills = [f"BENCH{n:010d}" for n in range(parcels)]
    create_parcels(refs, waybills, timezone.now() - datetime.timedelta(hours=1))
    from django.db import connection

    with connection.cursor() as cursor:  # statistics, as autovacuum keeps them in a live database: freshly
        cursor.execute("ANALYZE")        # loaded tables have none, and the planner's guesses then pick odd plans
    return refs.device_key, waybills, refs.courier.employee_no


def make_batches(waybills: list[str], courier: str, batch_size: int, clients: int,
                 clock_behind: datetime.timedelta = datetime.timedelta(0)) -> list[list[list[dict]]]:
    """Per client, a list of batches: each batch moves ``batch_size`` parcels one step along their journey.
    ``clock_behind``: the scanner's clock is that far behind (a day: every scan before its acceptance)."""
    per_client = [waybills[i::clients] for i in range(clients)]
    base = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=30) - clock_behind
    plan = []
    for share in per_client:
        batches = []
        for step, event_type in enumerate(SCAN_SEQUENCE):
            for start in range(0, len(share), batch_size):
                batch = []
                for waybill in share[start:start + batch_size]:
                    event = {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": event_type,
                             "occurred_at": (base + datetime.timedelta(seconds=step)).isoformat(),
                             "location": {"lat": 31.2, "lon": 121.5}, "detail": {}}
                    if event_type in ("LOADED", "DEPARTED", "UNLOADED"):
                        event["vehicle"] = PLATE
                    if event_type in ("HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED"):
                        event["courier"] = courier
                    batch.append(event)
                batches.append(batch)
        plan.append(batches)
    return plan


RAW_TABLE = "bench_raw_events"


def create_raw_table(dsn: str) -> None:
    """A table with the same columns, types, constraints and indexes as tracking_checkpointevent — partitioned by
    the same key, the rows of the run all in one partition as the capture's are."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        cur.execute(f"CREATE TABLE {RAW_TABLE} (LIKE tracking_checkpointevent INCLUDING DEFAULTS "
                    f"INCLUDING CONSTRAINTS INCLUDING INDEXES) PARTITION BY RANGE (parcel_accepted_at)")
        cur.execute(f"CREATE TABLE {RAW_TABLE}_all PARTITION OF {RAW_TABLE} DEFAULT")
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {RAW_TABLE}_id_seq OWNED BY {RAW_TABLE}.id")
        cur.execute(f"ALTER TABLE {RAW_TABLE} ALTER COLUMN id SET DEFAULT nextval('{RAW_TABLE}_id_seq')")
        for column, target in [("parcel_id", "parcels_parcel"), ("facility_id", "organizations_facility"),
                               ("vehicle_id", "organizations_vehicle"), ("courier_id", "organizations_staff"),
                               ("device_id", "accounts_device")]:
            cur.execute(f"ALTER TABLE {RAW_TABLE} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                        f"DEFERRABLE INITIALLY DEFERRED")
    conn.close()


def run_raw(dsn: str, plan, parcel_ids: dict[str, tuple[str, datetime.datetime]], refs: dict) -> float:
    """Insert the same rows (precomputed values, no logic) with execute_values from 2 threads."""
    create_raw_table(dsn)
    now = datetime.datetime.now(datetime.UTC)
    prepared = []
    for batches in plan:
        rows_per_batch = []
        seqs: dict[str, int] = {}
        for batch in batches:
            rows = []
            for e in batch:
                seqs[e["waybill_no"]] = seqs.get(e["waybill_no"], 0) + 1
                parcel_id, accepted_at = parcel_ids[e["waybill_no"]]
                rows.append((e["event_id"], refs["organization"], parcel_id, accepted_at, seqs[e["waybill_no"]], e["type"],
                             e["occurred_at"], now, refs["facility"], refs["vehicle"] if "vehicle" in e else None,
                             refs["courier"] if "courier" in e else None, refs["device"], "device:BENCH-SCANNER",
                             json.dumps(e["location"]), json.dumps(e["detail"]), "[]", "0" * 64, "0" * 64,
                             "1" * 64))
            rows_per_batch.append(rows)
        prepared.append(rows_per_batch)
    total = sum(len(r) for batches in prepared for r in batches)
    sql = (f"INSERT INTO {RAW_TABLE} (event_id, organization_id, parcel_id, parcel_accepted_at, seq, type, occurred_at, "
           "recorded_at, facility_id, vehicle_id, courier_id, device_id, actor, location, detail, flags, content_digest, "
           "prev_hash, hash) VALUES %s ON CONFLICT (organization_id, event_id, parcel_accepted_at) DO NOTHING")
    template = ("(%s::uuid, %s, %s::uuid, %s, %s, %s, %s, %s, %s, %s, %s::uuid, %s, %s, %s::jsonb, %s::jsonb, "
                "%s::jsonb, %s, %s, %s)")

    failures: list[str] = []

    def writer(batches):
        conn = psycopg2.connect(dsn)
        try:
            with conn.cursor() as cur:
                for rows in batches:
                    execute_values(cur, sql, rows, template=template, page_size=len(rows))
                    conn.commit()
        except psycopg2.Error as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()

    elapsed = run_threads_timed(writer, [(b,) for b in prepared])
    if failures:
        raise SystemExit("the baseline failed: " + failures[0])
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=2000,
                        help="parcels per run, each gets 10 events (default 2000: 20,000 events a run)")
    parser.add_argument("--rounds", type=int, default=1, help="unflagged/all-flagged pairs of runs (default 1)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, as in issue 16)")
    parser.add_argument("--celery-concurrency", type=int, default=1)
    parser.add_argument("--database", default="greenshield_bench")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: any free one)")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if not base.startswith("postgres"):
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL=postgres://…")
    log(f"[1/6] scratch database {args.database}")
    db_url = recreate_database(base, args.database)
    runs = 2 * args.rounds
    key, waybills, courier = setup_data(db_url, args.parcels * runs)
    from apps.accounts.models import Device
    from apps.organizations.models import Facility, Staff, Vehicle
    from apps.parcels.models import Parcel

    parcel_ids = {w: (str(i), at) for w, i, at in Parcel.objects.values_list("waybill_no", "id", "accepted_at")}
    refs = {"device": Device.objects.get(serial="BENCH-SCANNER").pk, "facility": Facility.objects.get().pk,
            "organization": Device.objects.get(serial="BENCH-SCANNER").organization_id,
            "vehicle": Vehicle.objects.get().pk, "courier": str(Staff.objects.get().pk)}
    shares = [waybills[i * args.parcels:(i + 1) * args.parcels] for i in range(runs)]
    day = datetime.timedelta(days=1)
    plans = [(("all flagged" if i % 2 else "unflagged"),
              make_batches(share, courier, args.batch_size, args.clients, day if i % 2 else datetime.timedelta(0)))
             for i, share in enumerate(shares)]
    total = sum(len(b) for batches in plans[0][1] for b in batches)
    log(f"      {total} events a run in batches of {args.batch_size} from {args.clients} clients, "
        f"{args.rounds} round(s) of unflagged + all-flagged")
    dsn = db_url
    log("[2/6] baseline: raw execute_values INSERT … ON CONFLICT DO NOTHING")
    raw_before = run_raw(dsn, plans[0][1], parcel_ids, refs)
    log(f"      {raw_before:,.0f} events/s")
    log(f"[3/6] starting the stack: gunicorn ({args.workers} workers), a Celery worker, Redis at {redis_url}")
    port = args.port or free_port()
    worker = start_worker(db_url, redis_url, args.celery_concurrency)
    server = start_gunicorn(db_url, port, args.workers, env=stack_env(db_url, redis_url))
    rates: dict[str, list[float]] = {"unflagged": [], "all flagged": []}
    sent = 0
    try:
        log("[4/6] full stack over HTTP, unflagged and all flagged (a scanner clock a day behind)")
        for label, plan in plans:
            rate, count = run_full_stack(port, key, plan, label)
            rates[label].append(rate)
            sent += count
            log(f"      {label}: {rate:,.0f} events/s")
    finally:
        stop(server)
        stop(worker)
    log("[5/6] baseline again")
    raw_after = run_raw(dsn, plans[0][1], parcel_ids, refs)
    log(f"      {raw_after:,.0f} events/s")
    from apps.compliance.models import Alert
    from apps.parcels.models import CheckpointEvent

    stored = CheckpointEvent.objects.filter(device__isnull=False).count()
    flagged = CheckpointEvent.objects.filter(flags__contains=["before_acceptance"]).count()
    parcel_alerts = Alert.objects.filter(kind="event_before_acceptance").count()
    burst_alerts = list(Alert.objects.filter(kind="device_flag_burst").values_list("count", flat=True))
    raw = (raw_before + raw_after) / 2
    full, storm = (sum(rates[k]) / len(rates[k]) for k in ("unflagged", "all flagged"))
    log("[6/6] results (this machine is shared with other work: compare the ratios, not the rates)")
    log(f"events sent            {sent:>10,}")
    log(f"events stored          {stored:>10,}   (flagged before_acceptance: {flagged:,})")
    log(f"alerts                 {parcel_alerts:>10,}   per (parcel, kind); device burst alerts: "
        f"{len(burst_alerts)} counting {sum(burst_alerts):,} scans")
    log(f"raw insert (baseline)  {raw:>10,.0f} events/s  (runs: {raw_before:,.0f}, {raw_after:,.0f})")
    log(f"full stack, unflagged  {full:>10,.0f} events/s  (runs: {', '.join(f'{r:,.0f}' for r in rates['unflagged'])})")
    log(f"full stack, flagged    {storm:>10,.0f} events/s  (runs: "
        f"{', '.join(f'{r:,.0f}' for r in rates['all flagged'])})")
    log(f"capture ratio (full stack / raw INSERT): {full / raw:.2f} (goal ≥ 0.5)")
    log(f"ratio flagged / unflagged {storm / full:>7.2f}   (target ≥ 0.50)")
    if stored != sent:
        raise SystemExit(f"stored {stored} events but sent {sent}")
    if flagged != sent // 2:
        raise SystemExit(f"{flagged} events flagged, expected {sent // 2}")


if __name__ == "__main__":
    main()
