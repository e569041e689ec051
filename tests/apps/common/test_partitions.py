"""Evidence in monthly partitions (PostgreSQL): each listed table is partitioned, months exist ahead, a parcel's
trace reads one partition, exactly-once by event_id holds across partitions (also in a race), a row that landed in
the default partition moves into its month when the month is created, and retention drops whole months with a
destruction record and an audit entry."""
from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from apps.audit.models import AuditEntry, DestructionRecord
from apps.common.clock import SimulatedClock, clock_simulated
from apps.common.partitions import (
    PARTITIONED,
    add_months,
    default_name,
    month_floor,
    months_attached,
    partition_name,
    partitions_ensure,
)
from apps.compliance.retention import partitions_drop_expired, partitions_maintain
from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, Parcel
from tests.helpers import accept, device_client, events_post, scan

pytestmark = [pytest.mark.postgres]
EVENTS = "CheckpointEvent"


def _partition_of(event_pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM tracking_checkpointevent WHERE id = %s", [event_pk])
        return cursor.fetchone()[0]


def accepted_at(client, moment: datetime.datetime) -> Parcel:
    """A parcel accepted through the API with the services' clock at ``moment``."""
    with clock_simulated(SimulatedClock(moment)):
        waybill = accept(client)["waybill_no"]
    return Parcel.objects.get(waybill_no=waybill)


@pytest.mark.django_db
def test_each_listed_table_is_partitioned_by_month_with_months_ahead(require_postgres, settings):
    now = timezone.now()
    with connection.cursor() as cursor:
        for spec in PARTITIONED.values():
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [spec.table])
            assert cursor.fetchone()[0] == "p", spec.table
            cursor.execute("SELECT pg_get_partkeydef(%s::regclass)", [spec.table])
            assert cursor.fetchone()[0] == f"RANGE ({spec.column})"
            months = months_attached(cursor, spec.table)
            wanted = [add_months(month_floor(now), n) for n in range(settings.GREENSHIELD_PARTITIONS_AHEAD_MONTHS + 1)]
            assert set(wanted) <= set(months), spec.table
            # every partition refuses TRUNCATE on its own, as its parent does
            for name in [partition_name(spec.table, months[-1]), default_name(spec.table)]:
                cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass "
                               "AND tgname LIKE '%%no_truncate'", [name])
                assert cursor.fetchone()[0] == 1, name


@pytest.mark.django_db
def test_a_parcels_trace_reads_only_its_partition(require_postgres, world, client_for):
    outlet = client_for("outlet_staff")
    now = timezone.now()
    this_month = accepted_at(outlet, now)
    next_month = accepted_at(outlet, add_months(month_floor(now), 1) + datetime.timedelta(hours=1))
    assert _partition_of(CheckpointEvent.objects.of_parcel(this_month).first().pk) == partition_name(
        "tracking_checkpointevent", month_floor(now))
    assert _partition_of(CheckpointEvent.objects.of_parcel(next_month).first().pk) == partition_name(
        "tracking_checkpointevent", add_months(month_floor(now), 1))
    plan = CheckpointEvent.objects.of_parcel(this_month).order_by("seq").explain()
    assert partition_name("tracking_checkpointevent", month_floor(now)) in plan
    # no other partition is read (the plan may name an index of this one, whose name PostgreSQL truncates)
    with connection.cursor() as cursor:
        others = [partition_name("tracking_checkpointevent", m) for m in months_attached(cursor, "tracking_checkpointevent")
                  if m != month_floor(now)] + [default_name("tracking_checkpointevent")]
    assert not [name for name in others if name in plan], plan
    # and the trace the API serves is the one that names the partition key
    response = client_for("supervisor").get(f"/api/v1/parcels/{this_month.waybill_no}/trace/")
    assert response.status_code == 200
    assert [link["seq"] for link in response.json()["events"]] == list(range(1, this_month.chain_length + 1))


@pytest.mark.django_db
def test_one_event_id_for_parcels_of_two_months_is_stored_once(require_postgres, world, client_for):
    outlet = client_for("outlet_staff")
    now = timezone.now()
    older = accepted_at(outlet, add_months(month_floor(now), -1) + datetime.timedelta(days=3))
    newer = accepted_at(outlet, now)
    event_id = str(uuid.uuid4())
    device = client_for("device")
    first = events_post(device, [{**scan(older.waybill_no, "ARRIVED"), "event_id": event_id}])
    second = events_post(device, [{**scan(newer.waybill_no, "ARRIVED"), "event_id": event_id}])
    assert first["results"][0]["status"] == "ACCEPTED"
    assert second["results"][0]["status"] == "CONFLICT"
    assert second["results"][0]["errors"][0]["code"] == "event_id_conflict"
    assert CheckpointEvent.objects.filter(event_id=event_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_race_on_one_event_id_across_partitions_stores_it_once(require_postgres, world, client_for):
    outlet = client_for("outlet_staff")
    now = timezone.now()
    parcels = [accepted_at(outlet, add_months(month_floor(now), -1) + datetime.timedelta(days=2)),
               accepted_at(outlet, now)]
    for attempt in range(5):
        event_id = str(uuid.uuid4())
        barrier = threading.Barrier(2)
        statuses = []

        def post(parcel, barrier=barrier, event_id=event_id, statuses=statuses):
            client = device_client(world.zto_device)
            barrier.wait()
            body = client.post("/api/v1/events/", {"events": [{**scan(parcel.waybill_no, "SORTED"),
                                                               "event_id": event_id}]},
                               content_type="application/json").json()
            statuses.append(body["results"][0]["status"])
            connection.close()

        threads = [threading.Thread(target=post, args=(p,)) for p in parcels]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == ["ACCEPTED", "CONFLICT"], attempt
        assert CheckpointEvent.objects.filter(event_id=event_id).count() == 1
    for parcel in parcels:
        parcel.refresh_from_db()
        assert chain_verify(parcel).valid


@pytest.mark.django_db
def test_rows_in_the_default_partition_move_into_their_month_when_it_is_created(require_postgres, world,
                                                                                 client_for):
    far = datetime.datetime(2031, 5, 17, 8, tzinfo=datetime.UTC)
    parcel = accepted_at(client_for("outlet_staff"), far)
    links = CheckpointEvent.objects.of_parcel(parcel)
    assert {_partition_of(e.pk) for e in links} == {default_name("tracking_checkpointevent")}
    count = CheckpointEvent.objects.count()

    created = partitions_ensure(now=far, ahead=0)

    assert partition_name("tracking_checkpointevent", month_floor(far)) in created
    assert {_partition_of(e.pk) for e in links} == {partition_name("tracking_checkpointevent", month_floor(far))}
    assert CheckpointEvent.objects.count() == count
    parcel.refresh_from_db()
    assert chain_verify(parcel).valid
    assert partitions_ensure(now=far, ahead=0) == []  # idempotent


@pytest.mark.django_db
def test_retention_drops_whole_expired_months_with_a_record(require_postgres, world, client_for, settings):
    outlet = client_for("outlet_staff")
    now = timezone.now()
    old_month = add_months(month_floor(now), -1)
    old = accepted_at(outlet, old_month + datetime.timedelta(days=4))
    kept = accepted_at(outlet, now)
    partitions_ensure(now=now, since=old_month)
    old_links = CheckpointEvent.objects.of_parcel(old).count()
    assert old_links >= 1
    # a year later, with links kept for a year minus a day: the old month is past, the current month is not
    later = add_months(month_floor(now), 12) + datetime.timedelta(days=1)
    settings.GREENSHIELD_RETENTION_DAYS = {**settings.GREENSHIELD_RETENTION_DAYS,
                                           "evidence": (later - add_months(old_month, 1)).days}

    dropped = partitions_drop_expired(now=later)

    names = [d.partition for d in dropped if d.table == "tracking_checkpointevent"]
    assert names == [partition_name("tracking_checkpointevent", old_month)]
    with connection.cursor() as cursor:
        assert old_month not in months_attached(cursor, "tracking_checkpointevent")
        cursor.execute("SELECT to_regclass(%s)", [names[0]])
        assert cursor.fetchone()[0] is None
    assert CheckpointEvent.objects.of_parcel(old).count() == 0
    assert CheckpointEvent.objects.of_parcel(kept).count() == kept.chain_length
    record = DestructionRecord.objects.get(data_class="chain links")
    assert record.records == old_links and record.older_than == add_months(old_month, 1)
    assert AuditEntry.objects.filter(action="retention.drop_partition", target_id=names[0]).count() == 1
    # nothing left to drop: a second run records nothing more
    assert [d for d in partitions_drop_expired(now=later) if d.table == "tracking_checkpointevent"] == []
    assert DestructionRecord.objects.filter(data_class="chain links").count() == 1


@pytest.mark.django_db
def test_a_scan_for_a_parcel_past_retention_is_refused_with_a_code(require_postgres, world, client_for, settings):
    parcel = accepted_at(client_for("outlet_staff"), timezone.now() - datetime.timedelta(days=40))
    settings.GREENSHIELD_RETENTION_DAYS = {**settings.GREENSHIELD_RETENTION_DAYS, "evidence": 30}
    body = events_post(client_for("device"), [scan(parcel.waybill_no, "ARRIVED")])
    assert body["results"][0]["status"] == "REJECTED"
    assert body["results"][0]["errors"][0]["code"] == "parcel_expired"


@pytest.mark.django_db
def test_the_daily_maintenance_creates_ahead_and_is_idempotent(require_postgres, settings):
    later = add_months(month_floor(timezone.now()), 7)
    first = partitions_maintain(now=later)
    assert partition_name("tracking_checkpointevent", add_months(later, settings.GREENSHIELD_PARTITIONS_AHEAD_MONTHS)) \
        in first["created"]
    assert partitions_maintain(now=later)["created"] == []
