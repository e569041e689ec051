"""Safe by default (issue 12): without an explicit development mode the service is in production mode; DEBUG is on
only in development on loopback hosts; no SECRET_KEY is committed; error reports of the views that handle personal
data in clear show none of it."""
from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.views.debug import ExceptionReporter

from greenshield.crypto import generate_key_entry
from greenshield.note import signer_generate
from tests.helpers import (
    ACCEPTANCES,
    SENDER,
    SENDER_ID,
    acceptance_body,
    assert_no_plaintext,
    plaintexts,
)

ROOT = Path(__file__).resolve().parents[2]
CLEARED = {"GREENSHIELD_KEYS", "DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "GREENSHIELD_ENV", "GREENSHIELD_LOG_KEY",
           "DJANGO_SETTINGS_MODULE", "GREENSHIELD_DEBUG"}
PROBE = "import config.settings as s; print(s.GREENSHIELD_ENV, s.DEBUG, s.SECRET_KEY)"


def settings_of(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update({"GREENSHIELD_KEYRING_FILE": str(tmp_path / "keys" / "keyring"), **env})
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True,
                          timeout=120)


def secrets_env() -> dict:
    return {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "GREENSHIELD_KEYS": generate_key_entry("p1"),
            "ALLOWED_HOSTS": "127.0.0.1", "GREENSHIELD_LOG_KEY": signer_generate("gs.example.cn/log").encode()}


def test_without_a_mode_the_service_is_in_production_mode(tmp_path):
    refused = settings_of(tmp_path)
    assert refused.returncode != 0
    assert "Production mode refuses to start without DJANGO_SECRET_KEY" in refused.stderr
    started = settings_of(tmp_path, **secrets_env())  # even on a loopback host
    assert started.returncode == 0, started.stderr
    assert started.stdout.split()[:2] == ["production", "False"]


@pytest.mark.parametrize(("hosts", "debug"), [
    (None, "True"),  # the development default: 127.0.0.1, localhost, [::1], testserver
    ("localhost,127.0.0.1,[::1]", "True"),
    ("staging.greenshield.example.cn", "False"),
    ("localhost,10.20.30.40", "False"),
    ("*", "False"),
])
def test_debug_only_in_development_on_loopback_hosts(tmp_path, hosts, debug):
    env = {"GREENSHIELD_ENV": "development", **({"ALLOWED_HOSTS": hosts} if hosts is not None else {})}
    result = settings_of(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["development", debug]


def test_development_on_loopback_can_turn_debug_off_but_production_cannot_turn_it_on(tmp_path):
    off = settings_of(tmp_path, GREENSHIELD_ENV="development", GREENSHIELD_DEBUG="0")  # how the benchmarks run
    assert off.returncode == 0, off.stderr
    assert off.stdout.split()[:2] == ["development", "False"]
    production = settings_of(tmp_path, GREENSHIELD_DEBUG="1", **secrets_env())
    assert production.returncode == 0, production.stderr
    assert production.stdout.split()[:2] == ["production", "False"]


def test_development_makes_its_own_secret_key_outside_the_repository(tmp_path):
    first = settings_of(tmp_path, GREENSHIELD_ENV="development")
    again = settings_of(tmp_path, GREENSHIELD_ENV="development")
    elsewhere = settings_of(tmp_path / "other", GREENSHIELD_ENV="development")
    key = first.stdout.split()[2]
    assert len(key) >= 50 and again.stdout.split()[2] == key  # made once, kept
    assert elsewhere.stdout.split()[2] != key  # each machine its own
    stored = tmp_path / "keys" / "secret-key"
    assert stored.read_text().strip() == key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    source = (ROOT / "config" / "settings.py").read_text()
    assert key not in source and "insecure" not in source


def test_make_run_says_development():
    result = subprocess.run(["make", "-n", "--no-print-directory", "-p", "run"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "GREENSHIELD_ENV"})
    assert "GREENSHIELD_ENV = development" in result.stdout.replace(":=", "=").replace("?=", "=")


# --- error reports of views that handle personal data in clear -----------------------------------------------

def failure_report(call) -> str:
    """The text of Django's error report (an error mail, a debug page) for the exception ``call`` raises."""
    with pytest.raises(RuntimeError) as raised:
        call()
    return ExceptionReporter(None, raised.type, raised.value, raised.tb).get_traceback_text()


def broken_audit(**kwargs):
    raise RuntimeError("audit log unavailable")


def test_an_acceptance_error_report_holds_no_personal_data(world, client_for, monkeypatch):
    monkeypatch.setattr("apps.parcels.services.audit_record", broken_audit)
    client = client_for("outlet_staff")
    report = failure_report(lambda: client.post(ACCEPTANCES, acceptance_body(), format="json"))
    assert "acceptance_record" in report and "audit log unavailable" in report  # the report is there
    assert_no_plaintext(report)


def test_a_sender_search_error_report_holds_no_personal_data(world, client_for, monkeypatch):
    client_for("outlet_staff").post(ACCEPTANCES, acceptance_body(), format="json")
    monkeypatch.setattr("apps.parcels.services.audit_record", broken_audit)
    client = client_for("supervisor")
    body = {"id_type": "RESIDENT_ID", "id_number": SENDER_ID, "reason": "案件协查 2026-118"}
    report = failure_report(lambda: client.post("/api/v1/senders/search/", body, format="json"))
    assert "sender_search" in report
    assert_no_plaintext(report, *plaintexts(SENDER))


def test_a_reveal_error_report_holds_no_personal_data(world, client_for, monkeypatch):
    accepted = client_for("outlet_staff").post(ACCEPTANCES, acceptance_body(), format="json").json()

    def failing_response(*args, **kwargs):  # e.g. the renderer fails after the values were decrypted
        raise RuntimeError("rendering failed")

    monkeypatch.setattr("apps.parcels.api.views.Response", failing_response)
    client = client_for("supervisor")
    report = failure_report(lambda: client.post(f"/api/v1/parcels/{accepted['waybill_no']}/reveal/",
                                                {"reason": "案件协查 2026-118"}, format="json"))
    assert "rendering failed" in report and "revealed" in report  # the frame is there, its values are not
    assert_no_plaintext(report)
