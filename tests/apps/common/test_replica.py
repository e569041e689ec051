"""Read replicas for real: a hot standby of the machine's cluster (pg_basebackup -R, its own port), the trace read
from it, and read-your-writes while it lags — replay paused on the standby, so the lag is certain, not hoped for.

The primary must accept replication connections from 127.0.0.1: ``bash .ci/enable-replication`` (``.ci/run`` runs
it) adds that line to pg_hba.conf and reloads; wal_level and max_wal_senders are PostgreSQL's defaults already.
"""
from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from apps.common.replica import REPLICA
from tests.helpers import API, SENDER_ID, accept
from tests.services import PostgresStandby, free_port, services_required

pytestmark = pytest.mark.postgres


@pytest.fixture
def replica(require_postgres, transactional_db, settings):
    """The standby, wired in as the ``replica`` alias as ``DATABASE_REPLICA_URL`` would (a connection made for this
    test only, so the test runner creates and flushes nothing on it); removed again afterwards."""
    if not PostgresStandby.tools_present():
        message = "needs PostgreSQL's server tools (pg_basebackup, pg_ctl)"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    standby = PostgresStandby()
    try:
        standby.start()
        alias = {**connections["default"].settings_dict, "PORT": str(standby.port)}
        connections[REPLICA] = load_backend(alias["ENGINE"]).DatabaseWrapper(alias, REPLICA)
        settings.GREENSHIELD_REPLICA_READS = True
        yield standby
    finally:
        try:
            connections[REPLICA].close()
            del connections[REPLICA]
        except Exception:  # never created
            pass
        standby.stop()


def trace_url(waybill_no: str) -> str:
    return f"{API}/parcels/{waybill_no}/trace/"


def served_by(client, method: str, url: str, **kwargs):
    """The response, and which database answered the parcel's rows: 'replica', 'primary' (or 'both', 'none')."""
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = getattr(client, method)(url, **kwargs)
    touched = {name for name, captured in (("replica", on_replica), ("primary", on_primary))
               if any('"parcels_parcel"' in query["sql"] for query in captured.captured_queries)}
    return response, {frozenset({"replica"}): "replica", frozenset({"primary"}): "primary",
                      frozenset(): "none"}.get(frozenset(touched), "both")


def test_trace_from_the_replica_and_a_writer_reads_its_own_writes_while_it_lags(replica, world, client_for):
    outlet, supervisor = client_for("outlet_staff"), client_for("supervisor")
    first = accept(outlet)["waybill_no"]
    replica.catch_up()

    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True  # the alias really is the hot standby

    response, source = served_by(supervisor, "get", trace_url(first))
    assert response.status_code == 200 and response.json()["parcel"]["waybill_no"] == first
    assert source == "replica"
    response, source = served_by(supervisor, "get", f"{API}/parcels/{first}/epcis/")
    assert response.status_code == 200 and source == "replica"

    # The standby falls behind: whatever is written now is not on it until replay resumes.
    replica.pause_replay()
    second = accept(outlet)["waybill_no"]

    # The writer reads its own write at once: the primary answers while the replica has not replayed it.
    response, source = served_by(outlet, "get", trace_url(second))
    assert response.status_code == 200 and response.json()["parcel"]["waybill_no"] == second
    assert source == "primary"
    # Someone who did not write reads the replica, which really is behind.
    response, source = served_by(supervisor, "get", trace_url(second))
    assert response.status_code == 404 and source == "replica"
    # An audited read (sender search) stays on the primary with its audit entry, lag or not.
    search = {"id_type": "RESIDENT_ID", "id_number": SENDER_ID, "reason": "核查可疑寄件人（案件 2026-017）"}
    response, source = served_by(supervisor, "post", f"{API}/senders/search/", data=search, format="json")
    assert response.status_code == 200, response.content
    [sender] = response.json()["results"]
    assert response.status_code == 200 and {p["waybill_no"] for p in sender["parcels"]} == {first, second}
    assert source == "primary"

    # Once the replica has replayed the write, the writer's reads go back to it.
    replica.resume_replay()
    replica.catch_up()
    response, source = served_by(outlet, "get", trace_url(second))
    assert response.status_code == 200 and source == "replica"
    response, source = served_by(supervisor, "get", trace_url(second))
    assert response.status_code == 200 and source == "replica"


def test_without_a_replica_everything_reads_the_primary(world, client_for):
    assert not settings.GREENSHIELD_REPLICA_READS
    response = client_for("supervisor").get(trace_url(accept(client_for("outlet_staff"))["waybill_no"]))
    assert response.status_code == 200


def test_an_unreachable_replica_sends_the_reads_to_the_primary(require_postgres, transactional_db, settings, world,
                                                                client_for):
    alias = {**connections["default"].settings_dict, "PORT": str(free_port())}  # nothing listens there
    connections[REPLICA] = load_backend(alias["ENGINE"]).DatabaseWrapper(alias, REPLICA)
    settings.GREENSHIELD_REPLICA_READS = True
    try:
        waybill = accept(client_for("outlet_staff"))["waybill_no"]
        with CaptureQueriesContext(connections["default"]) as on_primary:
            response = client_for("supervisor").get(trace_url(waybill))
        assert response.status_code == 200 and response.json()["parcel"]["waybill_no"] == waybill
        assert any('"parcels_parcel"' in query["sql"] for query in on_primary.captured_queries)
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
