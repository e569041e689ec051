"""make bench (part 2): audited writes from 1, 4, 8 and 16 concurrent writer processes, through the new lock-free
path against the old single-lock path measured in the same run, and the integrator's leaves per second.

1. Creates a scratch PostgreSQL database (``--database``), migrates it.
2. For each writer count, alternately: the OLD path — the audit log's former ``_append`` replayed on the same
   table (advisory lock ``audit/head`` held to commit, read the head, chain the entry onto it, insert) — and the
   NEW path — ``apps.audit.services.audit_record`` (insert the entry and its pending leaf, no lock). Each writer
   is its own process committing one audited write per transaction for ``--seconds``.
3. Integrator: ``--leaves`` pending leaves queued set-based, then ``log_integrate`` timed (indices, tiles,
   checkpoint signed).
Targets (issue 13): new path with 8 writers ≥ 1.6× one writer; new path with 16 writers ≥ 2× the old path with 16;
integrator ≥ 50,000 leaves/s. The figures are printed as a table; the exit status is 0 either way (a shared
machine is noisy), the verdict lines say which target was met.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import recreate_database  # noqa: E402 - the bench's own scratch database helper


def log(message: str) -> None:
    print(message, flush=True)


def django_setup(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log in long-running writers


def legacy_append(action: str, target_id: str) -> None:
    """The audit log's former write path (apps/audit/services.py before issue 13), on the same table: one
    advisory lock for every audited write, held to commit, so that the head read is still the head."""
    import zlib

    from django.db import connection, transaction
    from django.utils import timezone

    from apps.audit.models import AuditEntry
    from apps.audit.services import entry_content
    from greenshield import chain

    key = zlib.crc32(b"head")
    key = key - (1 << 32) if key >= (1 << 31) else key
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [4, key])
        entry = AuditEntry(at=timezone.now(), actor="system", action=action, target_id=target_id)
        head = (AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "hash").first())
        entry.seq = (head[0] + 1) if head else 1
        entry.prev_hash = head[1] if head else chain.GENESIS
        entry.hash = chain.link_hash(entry.prev_hash, entry_content(entry))
        entry.save()


def new_append(action: str, target_id: str) -> None:
    from django.db import transaction

    from apps.audit.services import audit_record

    with transaction.atomic():
        audit_record(actor=None, action=action, target_id=target_id)


def writer(db_url: str, path: str, seconds: float, start, results, index: int) -> None:
    django_setup(db_url)
    from django.db import connection

    write = legacy_append if path == "old" else new_append
    write("bench.warmup", f"{index}")
    start.wait()
    deadline = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < deadline:
        write(f"bench.{path}", f"{index}-{count}")
        count += 1
    results.put(count)
    connection.close()


def measure(db_url: str, path: str, writers: int, seconds: float) -> float:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(writers + 1)
    results = context.Queue()
    processes = [context.Process(target=writer, args=(db_url, path, seconds, start, results, i))
                 for i in range(writers)]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    total = sum(results.get(timeout=seconds + 120) for _ in processes)
    elapsed = max(time.perf_counter() - began, seconds)
    for process in processes:
        process.join(timeout=30)
    return total / elapsed


def integrator_rate(leaves: int) -> tuple[float, int]:
    from django.db import connection

    from apps.transparency.services import log_integrate

    log_integrate()  # whatever the writers left, untimed
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO transparency_pendingleaf (data, queued_at) "
                       "SELECT 'link:' || encode(sha256(g::text::bytea), 'hex'), now() "
                       "FROM generate_series(1, %s) AS g", [leaves])
    began = time.perf_counter()
    result = log_integrate()
    elapsed = time.perf_counter() - began
    return result.integrated / elapsed, result.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="greenshield_bench_log")
    parser.add_argument("--writers", default="1,4,8,16", help="comma-separated writer counts")
    parser.add_argument("--seconds", type=float, default=6.0, help="per measurement")
    parser.add_argument("--leaves", type=int, default=200_000, help="leaves for the integrator run")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    if not base.startswith("postgres"):
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL")
    db_url = recreate_database(base, args.database)
    log(f"[1/3] scratch database {args.database}: migrating")
    django_setup(db_url)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    connections.close_all()

    counts = [int(n) for n in args.writers.split(",")]
    rates: dict[tuple[str, int], float] = {}
    log(f"[2/3] audited writes, {args.seconds:.0f} s each, old single-lock path and new lock-free path alternately")
    for writers in counts:
        for path in ("old", "new"):
            rates[(path, writers)] = measure(db_url, path, writers, args.seconds)
            log(f"      {path} path, {writers:2d} writer(s): {rates[(path, writers)]:8.0f} commits/s")
    log(f"[3/3] integrator: {args.leaves} pending leaves")
    leaves_per_second, size = integrator_rate(args.leaves)
    connections.close_all()

    log("")
    log("writers | old single-lock commits/s | new lock-free commits/s | new/old")
    for writers in counts:
        old, new = rates[("old", writers)], rates[("new", writers)]
        log(f"{writers:7d} | {old:25.0f} | {new:23.0f} | {new / old:6.2f}x")
    log(f"integrator: {leaves_per_second:,.0f} leaves/s (tree size {size})")
    one = rates.get(("new", 1))
    if one and ("new", 8) in rates:
        ratio = rates[("new", 8)] / one
        log(f"target new 8 writers >= 1.6x new 1 writer: {ratio:.2f}x {'MET' if ratio >= 1.6 else 'NOT MET'}")
    if ("new", 16) in rates and ("old", 16) in rates:
        ratio = rates[("new", 16)] / rates[("old", 16)]
        log(f"target new 16 writers >= 2x old 16 writers: {ratio:.2f}x {'MET' if ratio >= 2 else 'NOT MET'}")
    log(f"target integrator >= 50,000 leaves/s: {'MET' if leaves_per_second >= 50_000 else 'NOT MET'}")


if __name__ == "__main__":
    main()
