"""Row and index sizes per table, measured on a loaded database, and what they come to at the region's size.

``python bench/scale_sizes.py --database NAME`` (``make loadtest`` runs it on what the load test stored). For every
table with rows: rows per accepted parcel in the sample, the average stored tuple (``pg_column_size``), the heap
(with TOAST, page and fill overhead: ``pg_relation_size``) and index bytes per row, and per year at 26.5 bn parcels
(docs/scale.md uses these figures).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from apps.common.distribution import REFERENCE  # noqa: E402 - plain data, no Django

PARCELS_PER_YEAR = 26.5e9
# A partitioned table counts once, with its partitions' sizes summed (the partitions are not listed apart).
SIZES = """
SELECT c.relname,
       sum(pg_relation_size(l.oid, 'main') + COALESCE(pg_total_relation_size(NULLIF(l.reltoastrelid, 0)), 0)),
       sum(pg_indexes_size(l.oid))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL pg_partition_tree(c.oid) AS t ON true  -- no rows for a plain table: the table itself
JOIN pg_class l ON l.oid = COALESCE(t.relid, c.oid) AND COALESCE(t.isleaf, true)
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
GROUP BY c.relname
"""


def _tb(value: float) -> str:
    return f"{value / 1e12:,.1f}"


def measure(dsn: str) -> tuple[int, list[tuple]]:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*) FROM parcels_parcel")
        parcels = cur.fetchone()[0]
        cur.execute(SIZES)
        rows = []
        for table, heap, index in cur.fetchall():
            cur.execute(f'SELECT count(*), avg(pg_column_size(t.*)) FROM "{table}" AS t')  # noqa: S608 - catalog name
            count, tuple_bytes = cur.fetchone()
            if count:
                rows.append((table, count, float(tuple_bytes), float(heap) / count, float(index) / count))
    conn.close()
    rows.sort(key=lambda r: -(r[3] + r[4]) * r[1])
    return parcels, rows


def report(dsn: str, *, top: int = 14) -> list[str]:
    parcels, rows = measure(dsn)
    if not parcels:
        return ["no parcels in the sample"]
    lines = [f"row sizes measured on {parcels} parcels; per year at {PARCELS_PER_YEAR / 1e9:g} bn parcels:",
             f"{'table':<30} {'rows/parcel':>11} {'tuple B':>8} {'heap B/row':>10} {'index B/row':>11} "
             f"{'rows/yr (bn)':>12} {'heap TB/yr':>10} {'index TB/yr':>11}"]
    total_heap = total_index = 0.0
    for table, count, tuple_bytes, heap, index in rows:
        per_parcel = count / parcels
        if table in REFERENCE or table.startswith(("django_", "auth_")) or per_parcel < 0.01:
            continue  # reference data and bookkeeping: does not grow with parcels
        yearly = per_parcel * PARCELS_PER_YEAR
        total_heap += yearly * heap
        total_index += yearly * index
        if len(lines) < top + 2:
            lines.append(f"{table:<30} {per_parcel:>11.2f} {tuple_bytes:>8.0f} {heap:>10.0f} {index:>11.0f} "
                         f"{yearly / 1e9:>12.1f} {_tb(yearly * heap):>10} {_tb(yearly * index):>11}")
    lines.append(f"{'all tables growing with parcels':<30} {'':>11} {'':>8} {'':>10} {'':>11} {'':>12} "
                 f"{_tb(total_heap):>10} {_tb(total_index):>11}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="greenshield_loadtest")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    for line in report(base.rsplit("/", 1)[0] + "/" + args.database):
        print(line)


if __name__ == "__main__":
    main()
