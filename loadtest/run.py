"""make loadtest: the region's traffic mix (loadtest/locustfile.py) against the whole stack on this machine, bounded
in users and time, then a count of rows proving that nothing the service accepted was lost.

1. A scratch PostgreSQL database (``greenshield_loadtest``, dropped and created), migrated, with the demo network.
2. gunicorn (3 workers) and a Celery worker with beat (outbox relay, log integrator) on it and on Redis.
3. locust, headless, against http://127.0.0.1 only: ``--users`` users for ``--minutes`` minutes, then it stops.
4. Its p50/p95/p99 latency, throughput and errors per request type, and the scans/s the service accepted.
5. Every waybill, screening and scan the service answered as accepted must be in the database (exit 1 otherwise),
   and the outbox must drain. Then the per-table row sizes of what was loaded (bench/scale_sizes.py).
Throttles are raised for the run: it measures the service, not its abuse limits.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.ingest_bench import recreate_database  # noqa: E402
from bench.scale_sizes import report as sizes_report  # noqa: E402
from bench.stack import free_port, start_gunicorn  # noqa: E402

DEMO_PASSWORD = json.loads((ROOT / "fixtures" / "demo_network.json").read_text())["password"]
ACCOUNTS = {"outlet_staff": "zto_outlet", "screener": "zto_screener", "supervisor": "zto_supervisor"}


def log(message: str) -> None:
    print(message, flush=True)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def token(port: int, username: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/token/", method="POST",
                                     data=json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
        return json.load(response)["token"]


def start_worker(env: dict, tmp: Path) -> subprocess.Popen:
    out = (tmp / "worker.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency=2",
                                "--loglevel=WARNING", "-s", str(tmp / "beat-schedule"), "--without-gossip",
                                "--without-mingle"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    time.sleep(3)
    if process.poll() is not None:
        raise SystemExit("the Celery worker died:\n" + (tmp / "worker.log").read_text()[-3000:])
    return process


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def summary(csv_prefix: Path, seconds: float, scans: int) -> list[str]:
    lines = [f"{'request':<34} {'count':>7} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"]
    with open(f"{csv_prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            name = "all requests" if row["Name"] == "Aggregated" else row["Name"]
            lines.append(f"{name:<34} {row['Request Count']:>7} {row['Failure Count']:>5} "
                         f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}")
    lines.append(f"scans accepted: {scans} in {seconds:.0f} s = {scans / seconds:.0f} scans/s")
    failures = Path(f"{csv_prefix}_failures.csv")
    if failures.exists():
        rows = list(csv.DictReader(failures.open()))
        for row in rows[:5]:
            lines.append(f"  error x{row['Occurrences']}: {row['Name']}: {row['Error'][:160]}")
    return lines


def count_rows(dsn: str, accepted: dict) -> tuple[dict, int]:
    """How many of what the service accepted are stored (they all must be), and the outbox rows still pending."""
    conn = psycopg2.connect(dsn)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM parcels_parcel WHERE waybill_no = ANY(%s)", [accepted["waybills"]])
        parcels = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM screening_screening WHERE id = ANY(%s::uuid[])", [accepted["screenings"]])
        screenings = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM tracking_checkpointevent WHERE event_id = ANY(%s::uuid[])",
                    [accepted["events"]])
        scans = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM common_outboxmessage WHERE delivered_at IS NULL")
        pending = cur.fetchone()[0]
    conn.close()
    return {"parcels": (parcels, len(accepted["waybills"])), "screenings": (screenings, len(accepted["screenings"])),
            "scans": (scans, len(accepted["events"]))}, pending


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", "18")))
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("LOADTEST_MINUTES", "2")))
    parser.add_argument("--database", default="greenshield_loadtest")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 0 < args.minutes <= 30:
        raise SystemExit("bounded: 1–200 users, at most 30 minutes")
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    tmp = Path(tempfile.mkdtemp(prefix="gs-loadtest-"))
    log(f"[1/5] scratch database {args.database}, demo network")
    dsn = recreate_database(base, args.database)
    env = {**os.environ, "DATABASE_URL": dsn, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "600",
           "GREENSHIELD_CACHE_REDIS_DB": redis_url.rsplit("/", 1)[-1] or "0",
           "GREENSHIELD_THROTTLE_USER": "1000000/min", "GREENSHIELD_THROTTLE_DEVICE": "1000000/min"}
    manage(env, "migrate", "--no-input")
    out = manage(env, "load_demo", "--rotate-device-keys")
    keys = dict(re.findall(r"SCN-(\S+)\s+Api-Key (\S+)", out))
    port = args.port or free_port()
    log(f"[2/5] gunicorn ({args.workers} workers) on 127.0.0.1:{port}, a Celery worker with beat, Redis {redis_url}")
    gunicorn = worker = None
    try:
        worker = start_worker(env, tmp)
        gunicorn = start_gunicorn(dsn, port, args.workers, env=env)
        tokens = {role: token(port, username) for role, username in ACCOUNTS.items()}
        accepted_file, csv_prefix = tmp / "accepted.json", tmp / "locust"
        log(f"[3/5] locust: {args.users} users for {args.minutes:g} min against http://127.0.0.1:{port}")
        locust_env = {**os.environ, "PYTHONPATH": str(ROOT), "LOADTEST_TOKENS": json.dumps(tokens),
                      "LOADTEST_DEVICE_KEYS": json.dumps(keys), "LOADTEST_ACCEPTED": str(accepted_file)}
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
                        "--host", f"http://127.0.0.1:{port}", "-u", str(args.users), "-r", str(max(1, args.users // 3)),
                        "-t", f"{int(args.minutes * 60)}s", "--stop-timeout", "20", "--csv", str(csv_prefix),
                        "--only-summary", "--loglevel", "WARNING"], cwd=ROOT, env=locust_env, check=False)
        seconds = time.monotonic() - started
        accepted = json.loads(accepted_file.read_text())
        log("[4/5] summary (this machine is shared with other work: figures are indicative)")
        for line in summary(csv_prefix, seconds, len(accepted["events"])):
            log("  " + line)
        log("[5/5] nothing accepted was lost?")
        deadline = time.monotonic() + 120
        while True:
            counts, pending = count_rows(dsn, accepted)
            if pending == 0 or time.monotonic() > deadline:
                break
            time.sleep(2)
        lost = {name: answered - stored for name, (stored, answered) in counts.items() if stored != answered}
        for name, (stored, answered) in counts.items():
            log(f"  {name}: {answered} accepted, {stored} stored")
        log(f"  outbox messages still pending: {pending}; refused acceptances (stored as attempts): "
            f"{accepted['refused']}")
        for line in sizes_report(dsn):
            log("  " + line)
        if lost or pending:
            log(f"LOST: {lost}, outbox pending {pending}")
            return 1
        log("  nothing lost")
        return 0
    finally:
        stop(gunicorn)
        stop(worker)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
