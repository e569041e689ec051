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


def _as_postgres() -> dict:
    """PostgreSQL's server tools and PgBouncer refuse to run as root: run them as the cluster's owner then."""
    return {"user": "postgres", "group": "postgres", "extra_groups": [], "cwd": "/tmp"} if os.geteuid() == 0 else {}


def _owned_by_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def postgres_bindir() -> Path:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    return Path(f"/usr/lib/postgresql/{major}/bin")


def connect_to(port: int, dbname: str = "postgres"):
    import psycopg2

    settings = connection.settings_dict
    conn = psycopg2.connect(host="127.0.0.1", port=port, dbname=dbname, user=settings["USER"] or "root",
                            connect_timeout=3)
    conn.autocommit = True
    return conn


def query_one(port: int, sql: str, params=(), dbname: str = "postgres"):
    conn = connect_to(port, dbname)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        conn.close()


class PostgresStandby:
    """A hot standby of the machine's cluster on its own port: ``pg_basebackup -R`` into a temporary directory,
    started with ``pg_ctl``, streaming from the primary; stopped and removed by ``stop``. The primary must accept
    replication connections from 127.0.0.1 (``.ci/enable-replication``, run by ``.ci/run``, sets that up)."""

    ENABLE = "bash .ci/enable-replication (CI's .ci/run does it)"

    @staticmethod
    def tools_present() -> bool:
        bindir = postgres_bindir()
        return (bindir / "pg_basebackup").exists() and (bindir / "pg_ctl").exists()

    def __init__(self):
        settings = connection.settings_dict
        self.primary_port = int(settings["PORT"] or 5432)
        self.port = free_port()
        self.bindir = postgres_bindir()
        self.tmp = Path(tempfile.mkdtemp(prefix="gs-standby-"))
        self.data = self.tmp / "data"
        _owned_by_postgres(self.tmp)

    def _run(self, argv: list[str], what: str, timeout: float = 300):
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **_as_postgres())
        if result.returncode != 0:
            raise AssertionError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result

    def start(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', "
                           "'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', "
                           "'max_locks_per_transaction', 'wal_level')")
            primary = dict(cursor.fetchall())
        if primary["wal_level"] == "minimal":
            raise AssertionError(f"the primary's wal_level is minimal: run {self.ENABLE}")
        try:
            self._run([str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
                       "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
                       "--no-sync"], "pg_basebackup")
        except AssertionError as error:
            if "replication" in str(error) and "pg_hba" in str(error):
                raise AssertionError(f"the primary refuses replication connections from 127.0.0.1: run "
                                     f"{self.ENABLE}\n{error}") from None
            raise
        hot_standby = {k: v for k, v in primary.items() if k != "wal_level"}
        conf = [f"port = {self.port}", "listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{self.tmp}'",
                "hot_standby = on", "hot_standby_feedback = on", "fsync = off", "shared_buffers = 32MB",
                "wal_receiver_status_interval = 1s", "logging_collector = off",
                *(f"{name} = {value}" for name, value in hot_standby.items())]
        (self.data / "postgresql.conf").write_text("\n".join(conf) + "\n")
        (self.data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (self.data / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            _owned_by_postgres(self.data / name)
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.tmp / "standby.log"),
                   "-w", "-t", "120", "start"], "pg_ctl start")
        wait_until(self.streaming, timeout=60, what="the standby to stream from the primary")

    def streaming(self) -> bool:
        try:
            return query_one(self.port, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'") == 1
        except Exception:  # still starting
            return False

    def replayed(self, lsn: str) -> bool:
        return bool(query_one(self.port, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]))

    def catch_up(self):
        """Wait until the standby has replayed everything the primary has written so far."""
        lsn = query_one(self.primary_port, "SELECT pg_current_wal_lsn()::text")
        wait_until(lambda: self.replayed(lsn), timeout=60, what=f"the standby to replay {lsn}")

    def pause_replay(self):
        query_one(self.port, "SELECT pg_wal_replay_pause()::text")
        wait_until(lambda: query_one(self.port, "SELECT pg_get_wal_replay_pause_state()") == "paused",
                   timeout=30, what="replay to pause")

    def resume_replay(self):
        query_one(self.port, "SELECT pg_wal_replay_resume()::text")

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            subprocess.run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, **_as_postgres())
        shutil.rmtree(self.tmp, ignore_errors=True)


class PgBouncer:
    """PgBouncer in transaction mode in front of the primary, on its own port with its own configuration in a
    temporary directory. ``pool_size`` server connections are shared by all clients, one transaction at a time."""

    def __init__(self, *, pool_size: int = 2):
        settings = connection.settings_dict
        self.user = settings["USER"] or "root"
        self.primary_port = int(settings["PORT"] or 5432)
        self.port = free_port()
        self.pool_size = pool_size
        self.tmp = Path(tempfile.mkdtemp(prefix="gs-pgbouncer-"))
        _owned_by_postgres(self.tmp)
        self.process: subprocess.Popen | None = None

    @staticmethod
    def executable() -> str | None:
        return shutil.which("pgbouncer") or (
            "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)

    def start(self):
        ini = self.tmp / "pgbouncer.ini"
        ini.write_text("\n".join([
            "[databases]", f"* = host=127.0.0.1 port={self.primary_port}",
            "[pgbouncer]", "listen_addr = 127.0.0.1", f"listen_port = {self.port}", "unix_socket_dir =",
            "auth_type = trust", f"auth_file = {self.tmp / 'userlist.txt'}", f"admin_users = {self.user}",
            "pool_mode = transaction", f"default_pool_size = {self.pool_size}", "max_client_conn = 200",
            "server_reset_query =", "ignore_startup_parameters = extra_float_digits",
            f"logfile = {self.tmp / 'pgbouncer.log'}", f"pidfile = {self.tmp / 'pgbouncer.pid'}", ""]))
        (self.tmp / "userlist.txt").write_text(f'"{self.user}" ""\n"postgres" ""\n')
        for path in (ini, self.tmp / "userlist.txt"):
            _owned_by_postgres(path)
        self.process = subprocess.Popen([self.executable(), str(ini)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, **_as_postgres())
        wait_until(self._ready, timeout=20, what="pgbouncer to accept connections")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            log = self.tmp / "pgbouncer.log"
            raise AssertionError("pgbouncer died:\n" + (log.read_text()[-2000:] if log.exists() else ""))
        try:
            return query_one(self.port, "SELECT 1") == 1
        except Exception:
            return False

    def admin(self, command: str) -> list[dict]:
        """A command on PgBouncer's admin console (``SHOW POOLS``, ``SHOW STATS`` …) as rows of dicts."""
        conn = connect_to(self.port, "pgbouncer")
        try:
            with conn.cursor() as cursor:
                cursor.execute(command)
                names = [c.name for c in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)
