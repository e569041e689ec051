"""Production mode: refuses to start without its secrets, and passes Django's deploy checks."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from greenshield.crypto import generate_key_entry
from greenshield.note import signer_generate

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in {"GREENSHIELD_KEYS", "DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "GREENSHIELD_ENV", "GREENSHIELD_LOG_KEY",
                         "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "GREENSHIELD_KEYS", "GREENSHIELD_LOG_KEY"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {"GREENSHIELD_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
           "GREENSHIELD_KEYS": generate_key_entry("p1"), "ALLOWED_HOSTS": "gs.example.cn",
           "GREENSHIELD_LOG_KEY": signer_generate("gs.example.cn/log").encode()}
    del env[missing]
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"refuses to start without {missing}" in result.stderr


def test_production_passes_check_deploy_at_warning_level():
    # Production shares lockout and throttle counters between processes through Redis (REDIS_URL); the check does
    # not connect to it.
    result = manage("check", "--deploy", "--fail-level", "WARNING", GREENSHIELD_ENV="production",
                    REDIS_URL="redis://127.0.0.1:6379/0",
                    DJANGO_SECRET_KEY=secrets.token_urlsafe(64), GREENSHIELD_KEYS=generate_key_entry("p1"),
                    ALLOWED_HOSTS="gs.example.cn", GREENSHIELD_LOG_KEY=signer_generate("gs.example.cn/log").encode())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_check_deploy_is_not_clean():
    """The guard works: the development defaults really are flagged by the deploy checks."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", GREENSHIELD_ENV="development")
    assert result.returncode != 0


def test_production_without_a_shared_cache_is_flagged_by_the_deploy_checks():
    """Without Redis each process would count sign-in failures on its own: django-axes' check says so."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", GREENSHIELD_ENV="production",
                    DJANGO_SECRET_KEY=secrets.token_urlsafe(64), GREENSHIELD_KEYS=generate_key_entry("p1"),
                    ALLOWED_HOSTS="gs.example.cn", GREENSHIELD_LOG_KEY=signer_generate("gs.example.cn/log").encode())
    assert result.returncode != 0
    assert "axes.W001" in result.stdout + result.stderr
