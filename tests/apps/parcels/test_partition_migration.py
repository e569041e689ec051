"""The partitioning migration on a database that already holds links (PostgreSQL): every row is kept, each lands in
its parcel's month, the chains still verify and exactly-once still holds; and the way back keeps them too."""
from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from apps.common.clock import SimulatedClock, clock_simulated
from apps.common.partitions import add_months, month_floor, partition_name
from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, LinkPersonalData, Parcel
from tests.helpers import accept, events_post, migrate_to, migrate_to_latest, scan

BEFORE = [("parcels", "0014_link_personal_data")]
TABLE = "tracking_checkpointevent"






def _rows():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, event_id, parcel_id, seq, hash FROM {TABLE} ORDER BY id")
        return cursor.fetchall()


def _relkind():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [TABLE])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_partitioning_a_filled_table_keeps_every_link_in_its_parcels_month(require_postgres, back_to_latest, world,
                                                                          client_for):
    outlet, device = client_for("outlet_staff"), client_for("device")
    now = timezone.now()
    months = [add_months(month_floor(now), -2), add_months(month_floor(now), -1), month_floor(now)]
    waybills = []
    for month in months:
        with clock_simulated(SimulatedClock(month + datetime.timedelta(days=1, hours=3))):
            waybills.append(accept(outlet)["waybill_no"])
    body = events_post(device, [scan(w, t, location={"lat": 31.2, "lon": 121.5}) for w in waybills
                                for t in ("ARRIVED", "SORTED", "DELIVERED")])
    assert body["summary"]["accepted"] == 9
    migrate_to(BEFORE)
    assert _relkind() == "r"
    before = _rows()
    personal = LinkPersonalData.objects.count()
    assert len(before) >= 12 and personal >= 3  # acceptance links and the scans; DELIVERED has a personal part

    # up to the latest schema: the log leaves' migration, which gives each leaf its link's key, needs this one
    migrate_to_latest()

    assert _relkind() == "p"
    assert _rows() == before
    assert LinkPersonalData.objects.count() == personal
    for waybill, month in zip(waybills, months, strict=True):
        parcel = Parcel.objects.get(waybill_no=waybill)
        assert chain_verify(parcel).valid
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT tableoid::regclass::text FROM {TABLE} WHERE parcel_id = %s", [parcel.pk])
            assert [r[0] for r in cursor.fetchall()] == [partition_name(TABLE, month)]
    # after the migration the capture goes on: a new scan appends, its retry is a duplicate, and its event id on a
    # parcel of another month is a conflict
    new = scan(waybills[0], "HANDOVER")
    assert events_post(device, [new])["summary"]["accepted"] == 1
    assert events_post(device, [new])["results"][0]["status"] == "DUPLICATE"
    again = events_post(device, [{**scan(waybills[1], "SORTED"), "event_id": new["event_id"]}])
    assert again["results"][0]["status"] == "CONFLICT"
    assert CheckpointEvent.objects.count() == len(before) + 1


@pytest.mark.django_db(transaction=True)
def test_the_way_back_keeps_every_link(require_postgres, back_to_latest, world, client_for):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    events_post(client_for("device"), [scan(waybill, "ARRIVED")])
    before = _rows()

    migrate_to(BEFORE)

    assert _relkind() == "r"
    assert _rows() == before
    with connection.cursor() as cursor:  # the plain table's company-wide exactly-once is back
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'event_id_once_per_company'")
        assert cursor.fetchone()[0] == "UNIQUE (organization_id, event_id)"
