"""The stack as deployed, started for a bench on a scratch database: gunicorn, a Celery worker, Redis as broker
and cache — and the two clients that post scan batches to it. Shared by the ingest, EPCIS, size benches and the
load test."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(db_url: str, port: int, workers: int, env: dict | None = None) -> subprocess.Popen:
    """gunicorn on ``db_url``; without ``env`` it runs without a broker (tasks in-process)."""
    if env is None:
        env = {**os.environ, "DATABASE_URL": db_url, "DB_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING"}
        env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--log-level", "warning", "--timeout", "300"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start")


UNTHROTTLED = {"GREENSHIELD_THROTTLE_USER": "10000000/min", "GREENSHIELD_THROTTLE_DEVICE": "10000000/min"}


def stack_env(db_url: str, redis_url: str) -> dict:
    """As deployed: PostgreSQL, Redis as broker (and cache), DEBUG off, throttles out of the way of a bench."""
    return {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "DB_CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING", "GREENSHIELD_DEBUG": "0", **UNTHROTTLED}


def start_worker(db_url: str, redis_url: str, concurrency: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING",
                                f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
                                "--without-heartbeat"], cwd=ROOT, env=stack_env(db_url, redis_url))
    time.sleep(4)
    if process.poll() is not None:
        raise SystemExit("the celery worker did not start")
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def run_threads_timed(target, per_thread) -> float:
    """Run ``target(*args)`` for each args tuple of ``per_thread`` in its own thread; the seconds until all ended."""
    threads = [threading.Thread(target=target, args=args) for args in per_thread]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def run_full_stack(port: int, key: str, plan, label: str = "full stack") -> tuple[float, int]:
    total = sum(len(b) for batches in plan for b in batches)
    done = [0]
    lock = threading.Lock()
    errors: list[str] = []

    # The bodies are serialised before the clock starts, as the baseline's rows are prepared before its clock: the
    # device's JSON encoding is the device's work, not the service's (and it shares these cores otherwise).
    bodies = [[json.dumps({"events": batch}).encode() for batch in batches] for batches in plan]

    def client(batches, encoded):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
        for batch, payload in zip(batches, encoded, strict=True):
            conn.request("POST", "/api/v1/events/", body=payload, headers=headers)
            response = conn.getresponse()
            body = json.loads(response.read())
            accepted = body.get("summary", {}).get("accepted", 0) if response.status == 200 else 0
            if response.status != 200 or accepted != len(batch):
                errors.append(f"HTTP {response.status}: {str(body)[:300]}")
            with lock:
                done[0] += len(batch)
                if done[0] % 5000 < len(batch):
                    log(f"    {label}: {done[0]}/{total} events")

    elapsed = run_threads_timed(client, list(zip(plan, bodies, strict=True)))
    if errors:
        raise SystemExit("full-stack run had errors:\n" + "\n".join(errors[:5]))
    return total / elapsed, total
