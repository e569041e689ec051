"""make bench (supervision): rolling up one day at size, and the statistics endpoint over a year of rollups.

1. A scratch PostgreSQL database (``--db``, default ``greenshield_supervision_bench``), migrated, filled with
   set-based SQL: one China day with ``--acceptances`` attempts (default 125,000; 2 % refused, each with its
   verification and inspection) at 50 outlets of 100 facilities, their parcels, and ``--scans`` links (default
   1,000,000) spread over the 100 facilities — about 1 in 200 flagged as dispatched without a clear screening.
2. ``rollup_day`` of that day, timed (seconds; rows read per second), then again (an idempotent rerun).
3. A year of daily rollups for the 100 facilities (36,500 rows, with counters and histograms), its monthly
   rollups computed by ``rollup_month``; then ``GET /api/v1/stats/compliance/`` in-process (Django's test client,
   a regional regulator's token) over 365 days grouped by facility, province, company and day, and — the
   baseline in the same run — over one day: p50/p95 latency and the number of queries of each.

    python bench/supervision_bench.py [--acceptances 125000] [--scans 1000000] [--requests 40]

The machine is shared with other work: absolute figures vary from run to run; the ratio to the one-day baseline
is the steadier figure.
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import recreate_database  # noqa: E402

FACILITIES = 100
OUTLETS = 50


def log(message: str) -> None:
    print(message, flush=True)


def setup(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill_day(day: datetime.date, acceptances: int, scans: int) -> dict:
    from django.db import connection

    from apps.accounts.services import account_save
    from apps.organizations.models import Facility, Organization, Staff
    from apps.senders.models import Sender
    from apps.supervision.services import day_bounds
    from greenshield.enums import Role
    from greenshield.identity import make_resident_id

    orgs = [Organization.objects.create(code=code, name=code, province=province, waybill_prefix=code)
            for code, province in (("ZTO", "310000"), ("YTO", "320000"), ("STO", "330000"), ("YUNDA", "310000"))]
    regions = ("310115", "320106", "330106", "320205", "330782")
    facilities = [Facility.objects.create(code=f"F{n:03d}", name=f"Facility {n}", kind="OUTLET" if n < OUTLETS else "HUB",
                                          organization=orgs[n % len(orgs)], region_code=regions[n % len(regions)])
                  for n in range(FACILITIES)]
    staff = Staff.objects.create(employee_no="B0001", organization=orgs[0], facility=facilities[0], name="测试",
                                 id_type="RESIDENT_ID", phone="+8613800000001",
                                 id_number=make_resident_id("310115", datetime.date(1990, 1, 1), 1))
    account = account_save(username="bench_outlet", role=Role.OUTLET_STAFF, facility=facilities[0], staff=staff)
    sender = Sender(kind="PERSON", id_type="RESIDENT_ID", name="寄件人", phone="+8613800000002", address="演示路1号",
                    id_number=make_resident_id("310115", datetime.date(1980, 1, 1), 2))
    sender.save()
    start, _ = day_bounds(day)
    outlet_ids = [f.pk for f in facilities[:OUTLETS]]
    all_ids = [f.pk for f in facilities]
    org_of = {f.pk: f.organization_id for f in facilities}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_facility (n int PRIMARY KEY, facility_id bigint, organization_id bigint)")
        cursor.execute("INSERT INTO bench_facility VALUES " + ",".join(
            f"({n}, {pk}, {org_of[pk]})" for n, pk in enumerate(all_ids)))
        cursor.execute(f"""
            INSERT INTO parcels_acceptancerecord (id, waybill_no, outcome, refusal_reason, organization_id, outlet_id,
                staff_id, account_id, sender_id, given_sender_organization_name, given_sender_uscc,
                recipient_region_code, weight_g, recorded_at, request_id)
            SELECT gen_random_uuid(), 'BW' || lpad(g.i::text, 12, '0'),
                   CASE WHEN mod(g.i, 50) = 0 THEN 'REFUSED' ELSE 'ACCEPTED' END,
                   CASE WHEN mod(g.i, 50) = 0 THEN 'identity_mismatch' ELSE '' END,
                   f.organization_id, f.facility_id, %s, {account.pk}, %s, '', '',
                   (ARRAY['320102','310104','330102','320505','110105'])[1 + mod(g.i, 5)], 1000,
                   %s + (g.i::float / %s) * interval '86399 seconds', ''
            FROM generate_series(1, %s) AS g(i) JOIN bench_facility AS f ON f.n = mod(g.i, {len(outlet_ids)})""",
                       [staff.pk, sender.pk, start, acceptances, acceptances])
        cursor.execute("""
            INSERT INTO senders_verification (id, method, identity_matched, verified_at, contract_customer,
                acceptance_id, sender_id, verified_by_id)
            SELECT gen_random_uuid(), 'ID_CARD_READER', a.outcome = 'ACCEPTED', a.recorded_at, false, a.id, a.sender_id,
                   a.staff_id FROM parcels_acceptancerecord AS a""")
        cursor.execute("""
            INSERT INTO parcels_inspection (inspected_at, sender_present, result, notes, safety_certificate_ref,
                acceptance_id, inspector_id)
            SELECT a.recorded_at, true, 'PASS', '', '', a.id, a.staff_id FROM parcels_acceptancerecord AS a""")
        cursor.execute("""
            INSERT INTO parcels_parcel (id, waybill_no, organization_id, outlet_id, acceptance_id, sender_id, status,
                screening_status, status_before_hold, accepted_at, status_since, contract_customer, chain_length,
                chain_head, updated_at)
            SELECT gen_random_uuid(), a.waybill_no, a.organization_id, a.outlet_id, a.id, a.sender_id, 'IN_TRANSIT',
                   'CLEAR', '', a.recorded_at, a.recorded_at, false, 8, '', now()
            FROM parcels_acceptancerecord AS a WHERE a.outcome = 'ACCEPTED'""")
        cursor.execute("CREATE TEMP TABLE bench_parcel AS SELECT row_number() OVER () AS n, id, organization_id, "
                       "accepted_at FROM parcels_parcel")
        cursor.execute("SELECT count(*) FROM bench_parcel")
        parcels = cursor.fetchone()[0]
        per_parcel = max(1, scans // parcels + (scans % parcels > 0))
        cursor.execute("""
            INSERT INTO tracking_checkpointevent (event_id, organization_id, parcel_id, parcel_accepted_at, seq, type,
                occurred_at, recorded_at, facility_id, actor, detail, flags, content_digest, prev_hash, hash)
            SELECT gen_random_uuid(), p.organization_id, p.id, p.accepted_at, s.seq,
                   (ARRAY['ARRIVED','SORTED','LOADED','DEPARTED','UNLOADED','HANDOVER','OUT_FOR_DELIVERY','DELIVERED',
                          'ARRIVED','SORTED'])[1 + mod(s.seq - 1, 10)],
                   least(p.accepted_at + s.seq * interval '5 minutes', %s + interval '86399 seconds'),
                   p.accepted_at + s.seq * interval '5 minutes', f.facility_id, 'bench', '{}',
                   CASE WHEN mod(p.n * 7 + s.seq, 200) = 0 AND mod(s.seq - 1, 10) IN (2, 3)
                        THEN '["dispatch_without_clear_screening"]'::jsonb ELSE '[]'::jsonb END, '', '', ''
            FROM bench_parcel AS p CROSS JOIN generate_series(1, %s) AS s(seq)
            JOIN bench_facility AS f ON f.n = mod(p.n + s.seq, %s)
            WHERE (p.n - 1) * %s + s.seq <= %s""", [start, per_parcel, FACILITIES, per_parcel, scans])
        cursor.execute("SELECT count(*) FROM tracking_checkpointevent")
        links = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    log(f"filled {acceptances:,} attempts ({parcels:,} parcels) and {links:,} links in "
        f"{time.perf_counter() - started:.1f} s")
    return {"facilities": facilities, "orgs": orgs, "parcels": parcels, "links": links}


def bench_rollup(day: datetime.date, acceptances: int, links: int) -> None:
    from apps.supervision.services import rollup_day

    for attempt in ("first", "rerun"):
        started = time.perf_counter()
        rows = rollup_day(day)
        seconds = time.perf_counter() - started
        log(f"rollup_day ({attempt}): {seconds:.2f} s, {rows:,} rollup rows written; "
            f"{(acceptances + links) / seconds:,.0f} records/s ({links:,} links + {acceptances:,} attempts)")


def fill_year(facilities, last: datetime.date) -> None:
    """A year of ComplianceDay rows for every facility (as the rollup writes them), then the monthly rollups."""
    from django.db import connection

    from apps.supervision.models import ComplianceCompanyDay, ComplianceDay
    from apps.supervision.services import rollup_month

    started = time.perf_counter()
    ComplianceDay.objects.all().delete()
    ComplianceCompanyDay.objects.all().delete()
    first = last - datetime.timedelta(days=364)
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO supervision_complianceday (day, organization_id, facility_id, province, acceptances, refused,
                refusals, real_name_verified, inspection_passed, inspection_failed, screenings,
                screened_before_dispatch, dispatched_unscreened, holds, seizures, alerts, ack_hist, resolve_hist, scans)
            SELECT d::date, f.organization_id, f.id, f.province, 1200 + mod(f.id, 300), 20, '{"identity_mismatch": 12,
                   "prohibited_item": 8}', 1190, 1200, 5, '{"CLEAR": 2000, "SUSPECT": 9}', 1990, 3, 9, 1,
                   '{"suspect_screening": 9, "dispatch_without_screening": 3}', '{"30": 5, "34": 4, "40": 3}',
                   '{"44": 6, "50": 6}', '{"ARRIVED": 2400, "SORTED": 2400, "LOADED": 2000, "DEPARTED": 2000}'
            FROM generate_series(%s::date, %s::date, interval '1 day') AS d
            CROSS JOIN organizations_facility AS f""", [first, last])
        # The same days summed per company and province, as rollup_day writes them next to the facility rows.
        cursor.execute("""
            INSERT INTO supervision_compliancecompanyday (day, organization_id, province, acceptances, refused, refusals,
                real_name_verified, inspection_passed, inspection_failed, screenings, screened_before_dispatch,
                dispatched_unscreened, holds, seizures, alerts, ack_hist, resolve_hist, scans)
            SELECT day, organization_id, province, sum(acceptances), sum(refused), '{"identity_mismatch": 300,
                   "prohibited_item": 200}', sum(real_name_verified), sum(inspection_passed), sum(inspection_failed),
                   '{"CLEAR": 50000, "SUSPECT": 225}', sum(screened_before_dispatch), sum(dispatched_unscreened),
                   sum(holds), sum(seizures), '{"suspect_screening": 225, "dispatch_without_screening": 75}',
                   '{"30": 125, "34": 100, "40": 75}', '{"44": 150, "50": 150}',
                   '{"ARRIVED": 60000, "SORTED": 60000, "LOADED": 50000, "DEPARTED": 50000}'
            FROM supervision_complianceday GROUP BY day, organization_id, province""")
        cursor.execute("ANALYZE")
    month = first.replace(day=1)
    months = 0
    while month <= last:
        rollup_month(month)
        months += 1
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    log(f"a year of rollups: {ComplianceDay.objects.count():,} daily rows per facility, "
        f"{ComplianceCompanyDay.objects.count():,} per company and province, {months} months rolled up, in "
        f"{time.perf_counter() - started:.1f} s")


def bench_statistics(last: datetime.date, requests: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from apps.accounts.services import account_save
    from greenshield.enums import Role

    user = account_save(username="bench_delta", role=Role.REGIONAL_REGULATOR)
    token = Token.objects.create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    first = (last - datetime.timedelta(days=364)).replace(day=1)  # 12 whole months and a few days
    cases = [("1 day, by facility (baseline)", {"from": last.isoformat(), "to": last.isoformat(), "group_by": "facility"})]
    for group_by in ("facility", "province", "organization", "day"):
        cases.append((f"365+ days, by {group_by}", {"from": first.isoformat(), "to": last.isoformat(),
                                                    "group_by": group_by}))
    baseline = None
    for title, params in cases:
        client.get("/api/v1/stats/compliance/", params)  # warm up
        times, queries = [], set()
        for _ in range(requests):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get("/api/v1/stats/compliance/", params)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
            queries.add(len(captured.captured_queries))
        times.sort()
        p50, p95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
        baseline = baseline or p50
        log(f"stats {title}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, queries per request {sorted(queries)}, "
            f"{len(response.json()['rows'])} rows; p50 × {p50 / baseline:.1f} the one-day baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acceptances", type=int, default=125_000)
    parser.add_argument("--scans", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--db", default="greenshield_supervision_bench")
    parser.add_argument("--base-url", default=os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test"))
    parser.add_argument("--stats-only", action="store_true",
                        help="Reuse the scratch database of an earlier run: only the year of rollups and the endpoint.")
    args = parser.parse_args()
    if args.stats_only:
        setup(args.base_url.rsplit("/", 1)[0] + "/" + args.db)
    else:
        setup(recreate_database(args.base_url, args.db))
    from apps.accounts.models import User
    from apps.organizations.models import Facility
    from apps.supervision.services import china_today

    day = china_today() - datetime.timedelta(days=1)
    if args.stats_only:
        User.objects.filter(username="bench_delta").delete()
        facilities = list(Facility.objects.all())
    else:
        filled = fill_day(day, args.acceptances, args.scans)
        bench_rollup(day, args.acceptances, filled["links"])
        facilities = filled["facilities"]
    fill_year(facilities, day)
    bench_statistics(day, args.requests)


if __name__ == "__main__":
    main()
