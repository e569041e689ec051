"""The standalone verifier in tools/ (stdlib + cryptography, no Django) run as a separate process against a live
server, as a regulator runs it: the checkpoint's signature, a parcel's inclusion, consistency with a checkpoint
saved earlier — and a log that forked or was signed by another key fails."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.transparency.keys import log_verifier
from apps.transparency.services import log_integrate
from greenshield import note
from tests.helpers import token_key

from .helpers import evidence

TOOL = Path(settings.BASE_DIR) / "tools" / "verify_greenshield_log.py"
pytestmark = pytest.mark.django_db(transaction=True)


def run_tool(live_server, token: str, *args) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin"}  # no DJANGO_SETTINGS_MODULE, no DATABASE_URL: nothing but the API
    return subprocess.run([sys.executable, str(TOOL), "--url", live_server.url, "--token", token,
                           "--key", log_verifier().encode(), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False, cwd="/")


@pytest.fixture
def regulator_token(world):
    return token_key(world.users["regulator"])


def test_the_tool_imports_only_the_standard_library_and_cryptography():
    tree = ast.parse(TOOL.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module}
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


def test_a_regulator_verifies_a_parcel_and_growth_since_a_saved_checkpoint(live_server, world, client_for,
                                                                           regulator_token, tmp_path):
    waybills = evidence(client_for, parcels=2)
    log_integrate()
    saved = tmp_path / "saved.txt"
    first = run_tool(live_server, regulator_token, "--save", str(saved))
    assert first.returncode == 0, first.stdout + first.stderr
    assert note.checkpoint_parse(saved.read_text().split("\n\n")[0] + "\n").size > 0

    evidence(client_for, parcels=2)  # the log grows
    log_integrate()
    later = run_tool(live_server, regulator_token, "--saved", str(saved), "--waybill", waybills[0])
    assert later.returncode == 0, later.stdout + later.stderr
    assert "extends the saved checkpoint" in later.stdout and f"parcel {waybills[0]} is included" in later.stdout


def test_a_forked_log_fails_even_when_signed_with_the_real_key(require_postgres, live_server, world, client_for,
                                                               regulator_token, tmp_path):
    """The worst case: an insider with the database and the signing key throws the log away and rebuilds it
    without the evidence they removed. Every new checkpoint verifies — the saved one shows the fork."""
    evidence(client_for, parcels=2)
    log_integrate()
    saved = tmp_path / "saved.txt"
    assert run_tool(live_server, regulator_token, "--save", str(saved)).returncode == 0
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM transparency_logleaf WHERE index % 2 = 1")
        cursor.execute("DELETE FROM transparency_logtile")
        cursor.execute("DELETE FROM transparency_logcheckpoint")
        cursor.execute("INSERT INTO transparency_pendingleaf (data, queued_at) "
                       "SELECT data, now() FROM transparency_logleaf ORDER BY index")
        cursor.execute("DELETE FROM transparency_logleaf")
        cursor.execute("SET session_replication_role = DEFAULT")
    evidence(client_for, parcels=3)
    log_integrate()
    forked = run_tool(live_server, regulator_token, "--saved", str(saved))
    assert forked.returncode == 1
    assert "saved checkpoint" in forked.stdout and "does not extend" in forked.stdout


def test_a_checkpoint_of_another_key_fails(live_server, world, client_for, regulator_token, tmp_path):
    evidence(client_for, parcels=1)
    log_integrate()
    stranger = note.signer_generate(log_verifier().name)  # same name, another key
    result = subprocess.run([sys.executable, str(TOOL), "--url", live_server.url, "--token", regulator_token,
                             "--key", stranger.verifier.encode()], env={"PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1 and "not signed by the log's key" in result.stdout


def test_an_invalid_token_is_reported(live_server, world):
    log_integrate()
    result = run_tool(live_server, "not-a-token")
    assert result.returncode == 1 and "HTTP 401" in result.stdout
