"""The service behind PgBouncer in transaction mode (README "Scaling"): acceptances, screenings, scan batches and
traces from several clients at once, and a Celery worker whose beat runs the log integrator (an advisory lock), all
through two server connections that every client shares one transaction at a time — so nothing may rely on
session state (session advisory locks, server-side cursors, prepared statements, SET)."""
from __future__ import annotations

import pytest
from django.db import connections

from apps.parcels.models import CheckpointEvent, Parcel
from apps.screening.services import unscreened_sweep
from tests.helpers import API, run_threads
from tests.journeys import SCANS, run_journey
from tests.services import PgBouncer, services_required, wait_until

pytestmark = pytest.mark.postgres

POOL_SIZE = 2


@pytest.fixture
def through_pgbouncer(require_postgres, transactional_db, monkeypatch):
    """PgBouncer (transaction mode, its own port and configuration) between the test's connections — and those of
    the worker started after it — and the primary; the service configured for it (GREENSHIELD_DB_POOLER)."""
    if PgBouncer.executable() is None:
        message = "pgbouncer is not installed: apt-get install pgbouncer (.ci/run installs it)"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    bouncer = PgBouncer(pool_size=POOL_SIZE)
    bouncer.start()
    default = connections["default"]
    saved = {key: default.settings_dict.get(key) for key in ("PORT", "DISABLE_SERVER_SIDE_CURSORS")}
    default.close()
    default.settings_dict.update(PORT=str(bouncer.port), DISABLE_SERVER_SIDE_CURSORS=True)
    monkeypatch.setenv("GREENSHIELD_DB_POOLER", "pgbouncer")
    try:
        yield bouncer
    finally:
        default.close()
        default.settings_dict.update(saved)
        bouncer.stop()


def _database_stats(bouncer: PgBouncer, name: str) -> dict:
    return next(row for row in bouncer.admin("SHOW STATS") if row["database"] == name)


def test_the_service_runs_through_pgbouncer_in_transaction_mode(through_pgbouncer, celery_worker, world, client_for):
    bouncer = through_pgbouncer
    with connections["default"].cursor() as cursor:  # connected to PgBouncer's port, served by the primary's
        cursor.execute("SELECT inet_server_port()")
        assert cursor.fetchone()[0] == bouncer.primary_port != bouncer.port
    name = connections["default"].settings_dict["NAME"]
    before = _database_stats(bouncer, name)["total_xact_count"]

    first = run_journey(world, client_for)  # creates the station, its scanner and the vehicle once
    journeys = {}

    def journey(index: int):
        journeys[index] = run_journey(world, client_for, late=None)

    assert run_threads(journey, 4) == []

    waybills = [first.waybill_no, *(j.waybill_no for j in journeys.values())]
    assert Parcel.objects.filter(waybill_no__in=waybills).count() == 5
    assert CheckpointEvent.objects.filter(parcel__waybill_no__in=waybills, type__in=SCANS).count() == 5 * len(SCANS)

    supervisor = client_for("supervisor")
    for waybill in waybills:
        trace = supervisor.get(f"{API}/parcels/{waybill}/trace/").json()
        assert [e["type"] for e in trace["events"] if e["type"] in SCANS] == list(SCANS)
        assert trace["integrity"]["valid"] is True, trace["integrity"]
    # The worker's beat integrates the new links into the log (its advisory lock is transaction-scoped).
    wait_until(lambda: supervisor.get(f"{API}/parcels/{waybills[-1]}/trace/").json()["integrity"]["log"],
               timeout=60, what="the integrator, through PgBouncer, to put the chain head in a signed checkpoint")
    # A sweep that iterates a queryset (a server-side cursor unless disabled) works across transactions.
    assert unscreened_sweep(max_hours=-1) == 0  # every parcel was screened

    pools = [row for row in bouncer.admin("SHOW POOLS") if row["database"] == name]
    assert pools and all(row["sv_active"] + row["sv_idle"] + row["sv_used"] <= POOL_SIZE for row in pools)
    assert _database_stats(bouncer, name)["total_xact_count"] - before > 100  # all of it went through PgBouncer
    assert "Traceback" not in celery_worker.output(), celery_worker.output()[-3000:]
