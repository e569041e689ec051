"""The database settings of README "Scaling": a replica alias only when DATABASE_REPLICA_URL is set (and never
created by the test runner on a read-only standby), and PgBouncer's transaction mode turning server-side cursors off."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = ("from django.conf import settings; import json; print(json.dumps({'aliases': sorted(settings.DATABASES), "
        "'replica_reads': settings.GREENSHIELD_REPLICA_READS, 'cursors_off': {a: d.get('DISABLE_SERVER_SIDE_CURSORS', "
        "False) for a, d in settings.DATABASES.items()}, 'mirror': settings.DATABASES.get('replica', {}).get('TEST', "
        "{}).get('MIRROR'), 'replica_port': settings.DATABASES.get('replica', {}).get('PORT')}))")


def shown_with(**env) -> dict:
    return json.loads(settings_with(**env).stdout.strip().splitlines()[-1])  # after the shell's own banner


def settings_with(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL", "GREENSHIELD_DB_POOLER"}}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", SHOW], cwd=ROOT, env=base, capture_output=True,
                          text=True, timeout=120)


def test_no_replica_unless_configured():
    shown = shown_with()
    assert shown["aliases"] == ["default"] and shown["replica_reads"] is False
    assert shown["cursors_off"] == {"default": False}


def test_a_replica_url_adds_the_replica_alias_as_a_test_mirror():
    shown = shown_with(DATABASE_REPLICA_URL="postgres://root@127.0.0.1:5433/gs")
    assert shown["aliases"] == ["default", "replica"] and shown["replica_reads"] is True
    assert shown["mirror"] == "default" and shown["replica_port"] == 5433


def test_pgbouncer_turns_server_side_cursors_off_everywhere():
    shown = shown_with(GREENSHIELD_DB_POOLER="pgbouncer", DATABASE_REPLICA_URL="postgres://root@127.0.0.1:5433/gs")
    assert shown["cursors_off"] == {"default": True, "replica": True}


def test_an_unknown_pooler_is_refused():
    result = settings_with(GREENSHIELD_DB_POOLER="pgpool")
    assert result.returncode != 0 and "GREENSHIELD_DB_POOLER must be empty or 'pgbouncer'" in result.stderr
