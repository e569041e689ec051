"""Real services for integration tests: a private Redis server we may stop and restart, and a real Celery
worker process (with its beat) talking to it and to the test database."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """A throw-away redis-server on its own port, so a test can take the broker down without touching anyone
    else's Redis."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.ping, timeout=10, what="redis-server to start")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_until(lambda: not self.ping(), timeout=10, what="redis-server to stop")


class CeleryWorker:
    """``celery worker -B`` as a separate process on the test database."""

    def __init__(self, redis_url: str):
        self.redis_url = redis_url
        self.tmp = Path(tempfile.mkdtemp(prefix="gs-worker-"))
        self.log = self.tmp / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self):
        settings = connection.settings_dict
        db_url = (f"postgres://{settings['USER'] or 'root'}@{settings['HOST'] or '127.0.0.1'}:"
                  f"{settings['PORT'] or 5432}/{settings['NAME']}")
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": self.redis_url,
               "GREENSHIELD_OUTBOX_RELAY_SECONDS": "1", "DB_CONN_MAX_AGE": "0"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--pool=solo", "--loglevel=INFO",
             "-s", str(self.tmp / "beat-schedule"), "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        wait_until(lambda: "ready." in self.log.read_text() or self.process.poll() is not None, timeout=60,
                   what="the celery worker to be ready")
        if self.process.poll() is not None:
            raise AssertionError("celery worker died:\n" + self.log.read_text()[-3000:])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


def services_required() -> bool:
    """CI sets GREENSHIELD_REQUIRE_SERVICES=1: there a missing service fails the test instead of skipping it."""
    return os.environ.get("GREENSHIELD_REQUIRE_SERVICES") == "1"


def services_or_skip():
    required = services_required()
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if missing:
        message = "needs " + " and ".join(missing)
        if required:
            pytest.fail(message)
        pytest.skip(message)
