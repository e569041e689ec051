"""The size bench's COPY filler (bench/size_bench.py) on PostgreSQL: its chains are consistent with their parcels
(so capture appends after them), the parcels the bench traces come back whole, and the rows fit the live schema —
including a NOT NULL ``parcel_accepted_at`` that events partitioned by acceptance carry."""
from __future__ import annotations

import datetime
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from apps.accounts.models import Device
from apps.accounts.services import account_save
from apps.parcels.models import CheckpointEvent, Parcel
from apps.tracking.api.serializers import TraceSerializer
from apps.tracking.ingest import events_capture
from apps.tracking.selectors import parcel_trace
from greenshield.enums import Role

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import size_bench  # noqa: E402
from ingest_bench import create_references  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WHOLE = {3, 27}


def dsn() -> str:
    s = connection.settings_dict
    return psycopg2.extensions.make_dsn(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
                                        host=s["HOST"] or None, port=s["PORT"] or None)


@pytest.fixture
def bench_conn(require_postgres):
    conn = psycopg2.connect(dsn())
    yield conn
    conn.close()


def load(conn, sizes=(20, 50), days=60):
    refs = create_references()
    filler = size_bench.Filler(conn, refs, days=days, whole=WHOLE, seed=1)
    loaded = 0
    for parcels in sizes:  # grown in two steps, as the bench does
        filler.load(loaded, parcels - loaded)
        loaded = parcels
    return refs, filler


def filler_parcels():
    return Parcel.objects.filter(waybill_no__startswith="SZ0")


def test_filler_chains_match_their_parcels_and_spread_over_the_period(bench_conn):
    load(bench_conn)
    parcels = list(filler_parcels())
    assert len(parcels) == 50
    links = {}
    for event in CheckpointEvent.objects.filter(parcel__waybill_no__startswith="SZ0").order_by("seq"):
        links.setdefault(event.parcel_id, []).append(event)
    for parcel in parcels:
        chain = links[parcel.pk]
        assert [e.seq for e in chain] == list(range(1, 11))
        assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
        assert (parcel.chain_length, parcel.chain_head) == (10, chain[-1].hash)
        assert chain[0].occurred_at == parcel.accepted_at
        assert chain[-1].occurred_at < datetime.datetime.now(datetime.UTC)
    accepted = sorted(p.accepted_at for p in parcels)
    assert accepted[-1] - accepted[0] > datetime.timedelta(days=50)
    assert parcels[0].acceptance.inspection and parcels[0].acceptance.verification


def test_traced_parcels_are_whole_and_capture_appends_after_any_filler_chain(bench_conn):
    refs, _ = load(bench_conn)
    supervisor = account_save(username="bench_supervisor", role=Role.SUPERVISOR, organization=refs.organization)
    for n in WHOLE:
        trace = parcel_trace(user=supervisor, waybill_no=size_bench.waybill(n))
        assert trace.integrity.valid, trace.integrity.problem
        data = TraceSerializer(trace).data
        assert len(data["events"]) == 10
        assert data["recipient"]["phone"] == "139****0000"  # its own ciphertext decrypts, shown masked
    parcel = Parcel.objects.get(waybill_no=size_bench.waybill(11))  # arbitrary hashes: the bench never verifies
    head = parcel.chain_head
    result = events_capture(device=Device.objects.get(serial="BENCH-SCANNER"), events=[{
        "event_id": str(uuid.uuid4()), "waybill_no": parcel.waybill_no, "type": "ARRIVED",
        "occurred_at": datetime.datetime.now(datetime.UTC).isoformat(), "location": {"lat": 31.2, "lon": 121.5},
        "detail": {}}])
    assert result["summary"]["accepted"] == 1
    appended = CheckpointEvent.objects.get(parcel=parcel, seq=11)
    assert appended.prev_hash == head
    parcel.refresh_from_db()
    assert (parcel.chain_length, parcel.chain_head) == (11, appended.hash)


def test_the_links_partition_key_is_filled_with_the_parcels_acceptance(bench_conn):
    load(bench_conn, sizes=(30,))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE e.parcel_accepted_at = p.accepted_at) "
                       "FROM tracking_checkpointevent e JOIN parcels_parcel p ON p.id = e.parcel_id "
                       "WHERE p.waybill_no LIKE 'SZ0%%'")
        assert cursor.fetchone() == (300, 300)
