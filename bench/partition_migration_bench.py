"""How long the partitioning migration (parcels 0015) takes on a filled table, per 10^6 links.

1. Creates a scratch PostgreSQL database (``greenshield_partmig``), migrates it, then goes back to the layout before
   the partitioning (parcels 0014: one plain ``tracking_checkpointevent``).
2. Fills it in SQL (``generate_series``): ``--events`` links, ten per parcel, the parcels accepted over the last
   three months (so the migration builds several monthly partitions), with their acceptance records copied from one
   template row (filler ciphertext: never decrypted, never plaintext).
3. Times ``migrate parcels 0015`` — the copy into the partitioned table, checked by count, and the index builds —
   and checks that every row arrived.

    python bench/partition_migration_bench.py --events 1000000
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import log, recreate_database, setup_data  # noqa: E402

LINKS_PER_PARCEL = 10


def _copy_rows_sql(cursor, table: str, overrides: dict[str, str], source: str, where: str) -> str:
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                   [table])
    columns = [row[0] for row in cursor.fetchall()]
    values = [overrides.get(c, f"t.{c}") for c in columns]
    return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608
            f"FROM {table} t, {source} WHERE {where}")


def fill(connection, events: int) -> None:
    parcels = events // LINKS_PER_PARCEL
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT id FROM parcels_acceptancerecord ORDER BY recorded_at LIMIT 1")
        template = cursor.fetchone()[0]
        cursor.execute(_copy_rows_sql(
            cursor, "parcels_acceptancerecord",
            {"id": "md5('a' || n)::uuid", "waybill_no": "'BENCHM' || lpad(n::text, 10, '0')",
             "recorded_at": "now() - mod(n, 90) * interval '1 day' - mod(n, 1440) * interval '1 minute'"},
            f"generate_series(1, {parcels}) AS n", "t.id = %s"), [template])
        log(f"  {parcels:,} acceptance records in {time.perf_counter() - started:.1f} s")
        cursor.execute("SELECT id FROM parcels_parcel ORDER BY accepted_at LIMIT 1")
        parcel_template = cursor.fetchone()[0]
        cursor.execute(_copy_rows_sql(
            cursor, "parcels_parcel",
            {"id": "a.id", "waybill_no": "a.waybill_no", "acceptance_id": "a.id", "accepted_at": "a.recorded_at",
             "chain_length": str(LINKS_PER_PARCEL), "chain_head": "md5(a.waybill_no) || md5(a.waybill_no)"},
            "parcels_acceptancerecord a", "t.id = %s AND a.waybill_no LIKE 'BENCHM%%'"), [parcel_template])
        log(f"  {parcels:,} parcels in {time.perf_counter() - started:.1f} s")
        cursor.execute(
            "INSERT INTO tracking_checkpointevent (event_id, organization_id, parcel_id, seq, type, occurred_at, "
            "recorded_at, facility_id, actor, location, detail, flags, content_digest, personal_digest, prev_hash, "
            "hash) SELECT md5(p.id::text || s)::uuid, p.organization_id, p.id, s, 'ARRIVED', "
            "p.accepted_at + s * interval '1 hour', p.accepted_at + s * interval '1 hour', p.outlet_id, 'bench', "
            "NULL, '{}', '[]', md5(p.id::text || s) || md5(s || p.id::text), '', "
            "md5(p.id::text || (s - 1)) || md5((s - 1) || p.id::text), md5(p.id::text || s) || md5(s || p.id::text) "
            "FROM parcels_parcel p CROSS JOIN generate_series(1, %s) AS s WHERE p.waybill_no LIKE 'BENCHM%%'",
            [LINKS_PER_PARCEL])
        log(f"  {cursor.rowcount:,} links in {time.perf_counter() - started:.1f} s")
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database", default="greenshield_partmig")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    if not base.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL")
    db_url = recreate_database(base, args.database)
    log(f"Partitioning migration on {args.events:,} links ({args.database})")
    setup_data(db_url, 1)  # migrates, and one company with a parcel to copy from
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "parcels", "0014", verbosity=0)
    fill(connection, args.events)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracking_checkpointevent")
        before = cursor.fetchone()[0]
    started = time.perf_counter()
    call_command("migrate", "parcels", "0015", verbosity=0)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT tableoid) FROM tracking_checkpointevent")
        after, partitions = cursor.fetchone()
    if after != before:
        sys.exit(f"rows lost: {before} before, {after} after")
    log(f"migrated {after:,} links into {partitions} partitions in {seconds:.1f} s: "
        f"{seconds / after * 1e6:.1f} s per 10^6 links ({after / seconds:,.0f} links/s), none lost")
    connection.close()
    if not args.keep:
        recreate_database(base, args.database)


if __name__ == "__main__":
    main()
