"""``simulate`` drives the demo network through the REST API: in-process by default, or over HTTP against a running
server (``--url``, the README's way to load a live service). Both modes must store what they report."""
from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from apps.parcels.chain import chains_verify_all
from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Parcel


def simulate(*args) -> dict[str, int]:
    out = io.StringIO()
    call_command("load_demo", "--quiet-logins", stdout=io.StringIO())
    call_command("simulate", "--parcels", "12", "--seed", "7", "--batch-size", "50", *args, stdout=out)
    summary = re.search(r"Simulated (\d+) parcels: (\d+) accepted, (\d+) refused.*?(\d+) scans stored", out.getvalue())
    assert summary, out.getvalue()
    parcels, accepted, refused, scans = (int(n) for n in summary.groups())
    return {"parcels": parcels, "accepted": accepted, "refused": refused, "scans": scans}


def assert_stored(stats: dict[str, int]) -> None:
    assert stats["parcels"] == 12 and stats["accepted"] + stats["refused"] == 12
    assert stats["accepted"] > 0 and stats["scans"] > 0
    assert AcceptanceRecord.objects.count() == 12
    assert Parcel.objects.count() == stats["accepted"]
    assert CheckpointEvent.objects.filter(device__serial__startswith="SIM-").count() == stats["scans"]
    assert all(verdict.valid for _, verdict in chains_verify_all())


@pytest.mark.django_db
def test_simulate_in_process():
    assert_stored(simulate())


@pytest.mark.django_db(transaction=True)
def test_simulate_over_http_against_a_live_server(live_server):
    """The same traffic over real HTTP to a running server (a live server thread on the test database)."""
    assert_stored(simulate("--url", live_server.url))


def test_simulate_refuses_a_non_http_url(db):
    from django.core.management.base import CommandError

    call_command("load_demo", "--quiet-logins", stdout=io.StringIO())
    with pytest.raises(CommandError, match="http"):
        call_command("simulate", "--parcels", "1", "--url", "file:///etc/passwd", stdout=io.StringIO())
