"""make bench (EPCIS): export and capture through the whole stack, against the native JSON endpoints, in the same run.

1. A scratch PostgreSQL database (``greenshield_epcis_bench``) with parcels of one company, CLEAR-screened.
2. The stack as deployed: gunicorn, a Celery worker, Redis (``REDIS_URL``), PostgreSQL.
3. Capture: the same journeys posted by 2 concurrent clients in batches of 500 — natively (``POST /events/``) and as
   EPCIS documents (``POST /epcis/capture/``, until every capture job is finished by the worker). The native run is
   measured before and after the EPCIS one (the machine is shared); the ratio uses their mean.
4. Export of every link (``--parcels`` × 10 events, 100,000 by default), by 2 concurrent clients as a supervisor:
   each parcel's ``/trace/`` (native) and ``/epcis/`` document; then the EPCIS event query paged through everything
   (``perPage=1000``, following the ``Link`` header).
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import (  # noqa: E402 - the shared set-up of the ingest bench
    PLATE,
    SCAN_SEQUENCE,
    log,
    recreate_database,
    setup_data,
    start_gunicorn,
)
from stack import stack_env, start_worker, stop  # noqa: E402 - the stack as the other benches start it


def scan(waybill: str, kind: str, at: datetime.datetime, courier: str) -> dict:
    event = {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": kind, "occurred_at": at.isoformat(),
             "facility": "BENCH-HUB", "detail": {}}
    if kind in ("LOADED", "DEPARTED", "UNLOADED"):
        event["vehicle"] = PLATE
    if kind in ("HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED"):
        event["courier"] = courier
    return event


def as_epcis(scans: list[dict]) -> dict:
    """The same scans as an EPCIS 2.0 document, as another vendor's scanner would send them."""
    from apps.epcis import vocabulary as v
    from greenshield.enums import EventType

    events = []
    for s in scans:
        meta = EventType(s["type"]).meta
        event = {"type": "ObjectEvent", "eventID": f"urn:uuid:{s['event_id']}", "eventTime": s["occurred_at"],
                 "eventTimeZoneOffset": "+00:00", "epcList": [v.parcel_uri(s["waybill_no"])], "action": "OBSERVE",
                 "bizStep": meta.biz_step, "disposition": meta.disposition,
                 "readPoint": {"id": v.facility_uri(s["facility"])}, "gs:eventType": s["type"]}
        if "vehicle" in s:
            event["gs:vehicle"] = s["vehicle"]
        if "courier" in s:
            event["gs:courier"] = s["courier"]
        events.append(event)
    return {"@context": v.context(), "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": datetime.datetime.now(datetime.UTC).isoformat(), "epcisBody": {"eventList": events}}


def plan(waybills: list[str], courier: str, batch_size: int, clients: int) -> list[list[list[dict]]]:
    base = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=30)
    shares = [waybills[i::clients] for i in range(clients)]
    out = []
    for share in shares:
        batches = []
        for step, kind in enumerate(SCAN_SEQUENCE):
            at = base + datetime.timedelta(seconds=step)
            for start in range(0, len(share), batch_size):
                batches.append([scan(w, kind, at, courier) for w in share[start:start + batch_size]])
        out.append(batches)
    return out


def run_clients(port: int, work, per_client) -> float:
    """Run ``work(connection, items)`` in one thread per client; seconds taken."""
    errors: list[str] = []

    def client(items):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            work(conn, items)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(items,)) for items in per_client]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("bench client failed: " + errors[0])
    return time.perf_counter() - started


def post(conn, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def capture_native(port: int, key: str, batches) -> float:
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}

    def work(conn, items):
        for batch in items:
            status, body = post(conn, "/api/v1/events/", json.dumps({"events": batch}).encode(), headers)
            if status != 200 or body["summary"]["accepted"] != len(batch):
                raise RuntimeError(f"native capture: HTTP {status} {str(body)[:200]}")

    total = sum(len(b) for items in batches for b in items)
    return total / run_clients(port, work, batches)


def capture_epcis(port: int, key: str, batches) -> float:
    from apps.epcis.models import CaptureJob

    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/ld+json"}
    documents = [[json.dumps(as_epcis(b)).encode() for b in items] for items in batches]
    ids: list[str] = []

    def work(conn, items):
        for body in items:
            status, answer = post(conn, "/api/v1/epcis/capture/", body, headers)
            if status != 202:
                raise RuntimeError(f"EPCIS capture: HTTP {status} {str(answer)[:300]}")
            ids.append(answer["captureID"])

    total = sum(len(b) for items in batches for b in items)
    started = time.perf_counter()
    posted = run_clients(port, work, documents)
    deadline = time.monotonic() + 600
    while CaptureJob.objects.filter(pk__in=ids, running=True).exists():
        if time.monotonic() > deadline:
            raise SystemExit("capture jobs did not finish in 10 minutes (is the worker running?)")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    bad = [j.pk for j in CaptureJob.objects.filter(pk__in=ids, success=False)]
    if bad or len(ids) != len(documents[0]) + sum(len(d) for d in documents[1:]):
        raise SystemExit(f"capture jobs with errors: {bad[:3]}")
    log(f"      (documents posted in {posted:.1f}s, all jobs finished after {elapsed:.1f}s)")
    return total / elapsed


def get(conn, url: str, headers: dict) -> tuple[int, bytes, str | None]:
    conn.request("GET", url, headers=headers)
    response = conn.getresponse()
    return response.status, response.read(), response.getheader("Link")


def export_per_parcel(port: int, token: str, waybills: list[str], clients: int, suffix: str) -> tuple[float, int]:
    headers = {"Authorization": f"Token {token}"}
    counted = [0]
    lock = threading.Lock()

    def work(conn, items):
        for waybill in items:
            status, body, _ = get(conn, f"/api/v1/parcels/{waybill}/{suffix}/", headers)
            if status != 200:
                raise RuntimeError(f"{suffix}: HTTP {status} {body[:200]!r}")
            document = json.loads(body)
            n = len(document["events"]) if suffix == "trace" else len(document["epcisBody"]["eventList"])
            with lock:
                counted[0] += n

    elapsed = run_clients(port, work, [waybills[i::clients] for i in range(clients)])
    return counted[0] / elapsed, counted[0]


def export_query(port: int, token: str, per_page: int) -> tuple[float, int]:
    headers = {"Authorization": f"Token {token}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    url, total = f"/api/v1/epcis/events/?perPage={per_page}", 0
    started = time.perf_counter()
    while url:
        status, body, link = get(conn, url, headers)
        if status != 200:
            raise SystemExit(f"query: HTTP {status} {body[:200]!r}")
        total += len(json.loads(body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"])
        if link:
            target = urlsplit(link[1:link.index(">")])
            url = f"{target.path}?{target.query}"
        else:
            url = None
    return total / (time.perf_counter() - started), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10000, help="parcels, 10 events each (default 10,000)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--database", default="greenshield_epcis_bench")
    parser.add_argument("--port", type=int, default=18151)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if not base.startswith("postgres"):
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL=postgres://…")
    log(f"[1/6] scratch database {args.database}, {args.parcels} parcels; broker {redis_url}")
    db_url = recreate_database(base, args.database)
    key, waybills, courier = setup_data(db_url, args.parcels)  # this process: eager, no broker (it only reads)
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from apps.accounts.services import ensure_role_groups
    from apps.organizations.models import Organization
    from greenshield.enums import Role

    supervisor = get_user_model().objects.create(username="bench_supervisor", is_staff=True,
                                                 organization=Organization.objects.get(code="BENCH"))
    supervisor.groups.add(ensure_role_groups()[Role.SUPERVISOR])
    token = AuthToken.objects.create(user=supervisor)[1]
    warm = min(100, len(waybills) // 20)
    quarter = (len(waybills) - warm) // 4
    rest = waybills[warm:]
    groups = {"warm-up": waybills[:warm], "native-1": rest[:quarter], "epcis": rest[quarter:3 * quarter],
              "native-2": rest[3 * quarter:]}
    plans = {name: plan(group, courier, args.batch_size, args.clients) for name, group in groups.items()}
    log(f"[2/6] gunicorn ({args.workers} workers) on :{args.port}, a Celery worker (concurrency "
        f"{args.celery_concurrency})")
    worker = start_worker(db_url, redis_url, args.celery_concurrency)
    server = start_gunicorn(db_url, args.port, args.workers, env=stack_env(db_url, redis_url))
    try:
        capture_native(args.port, key, plans["warm-up"])
        log("[3/6] capture, native POST /events/ (first run)")
        native_1 = capture_native(args.port, key, plans["native-1"])
        log(f"      {native_1:,.0f} events/s")
        log("[4/6] capture, EPCIS POST /epcis/capture/ through the worker")
        epcis = capture_epcis(args.port, key, plans["epcis"])
        log(f"      {epcis:,.0f} events/s")
        log("      native again")
        native_2 = capture_native(args.port, key, plans["native-2"])
        log(f"      {native_2:,.0f} events/s")
        log("[5/6] export, per parcel: native /trace/ and EPCIS /epcis/")
        trace_rate, trace_events = export_per_parcel(args.port, token, waybills, args.clients, "trace")
        log(f"      trace {trace_rate:,.0f} events/s ({trace_events:,} events)")
        document_rate, document_events = export_per_parcel(args.port, token, waybills, args.clients, "epcis")
        log(f"      EPCIS documents {document_rate:,.0f} events/s ({document_events:,} events)")
        log("[6/6] export, the EPCIS event query paged through every event (perPage=1000)")
        query_rate, query_events = export_query(args.port, token, 1000)
        log(f"      {query_rate:,.0f} events/s ({query_events:,} events)")
    finally:
        stop(server)
        stop(worker)
    native = (native_1 + native_2) / 2
    log("")
    log(f"capture native /events/        {native:>9,.0f} events/s  (runs: {native_1:,.0f}, {native_2:,.0f})")
    log(f"capture EPCIS /epcis/capture/  {epcis:>9,.0f} events/s  ratio {epcis / native:.2f}  (target ≥ 0.50)")
    log(f"export native /trace/          {trace_rate:>9,.0f} events/s  ({trace_events:,} events)")
    log(f"export EPCIS /epcis/           {document_rate:>9,.0f} events/s  ratio {document_rate / trace_rate:.2f}")
    log(f"export EPCIS query             {query_rate:>9,.0f} events/s  ratio {query_rate / trace_rate:.2f}  "
        f"({query_events:,} events)")
    if not trace_events == document_events == query_events == 10 * len(waybills):
        raise SystemExit("the exports did not see every event")


if __name__ == "__main__":
    main()
