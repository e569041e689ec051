"""The services' clock: the wall clock, except inside ``clock_simulated`` — which only the demo history generator
enters, never in production, and which no request can reach. Under it, a service back-dates everything it stores
consistently while the transparency log keeps real time."""
from __future__ import annotations

import datetime
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.common import clock
from apps.common.clock import SimulatedClock, clock_simulated
from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, Parcel
from apps.tracking.ingest import events_capture
from apps.transparency.models import PendingLeaf
from tests.helpers import accept_as, scan

ROOT = Path(__file__).resolve().parents[3]


def test_a_service_under_the_simulated_clock_back_dates_what_it_stores(world):
    then = timezone.now() - datetime.timedelta(days=12, hours=3)
    began = timezone.now()
    simulated = SimulatedClock(then)
    with clock_simulated(simulated):
        record = accept_as(world.users["outlet_staff"])
        simulated.advance_to(then + datetime.timedelta(hours=2))
        arrived = then + datetime.timedelta(hours=1)
        result = events_capture(device=world.zto_device, events=[scan(record.waybill_no, occurred_at=arrived)])
    assert result["summary"]["accepted"] == 1
    parcel = Parcel.objects.get(pk=record.parcel_obj.pk)
    assert record.recorded_at == then and parcel.accepted_at == then
    links = CheckpointEvent.objects.filter(parcel=parcel).order_by("seq")
    assert [(link.type, link.occurred_at, link.recorded_at) for link in links] == [
        ("ACCEPTED", then, then), ("INSPECTED", then, then),
        ("ARRIVED", arrived, then + datetime.timedelta(hours=2))]
    entry = AuditEntry.objects.get(action="acceptance.record", target_id=str(record.pk))
    assert entry.at == then
    assert chain_verify(parcel).valid
    # What the transparency log queued is stamped with the real time: the integrator sees no merge delay.
    assert all(leaf.queued_at >= began for leaf in PendingLeaf.objects.all())


def test_outside_the_simulation_services_read_the_wall_clock(world):
    before = timezone.now()
    record = accept_as(world.users["outlet_staff"])
    assert before <= record.recorded_at <= timezone.now()


def test_the_simulated_clock_only_moves_forward_and_ends_with_its_block():
    then = timezone.now() - datetime.timedelta(days=3)
    simulated = SimulatedClock(then)
    with clock_simulated(simulated):
        simulated.advance_to(then - datetime.timedelta(hours=1))
        assert clock.now() == then
        simulated.advance_to(then + datetime.timedelta(hours=1))
        assert clock.now() == then + datetime.timedelta(hours=1)
        seen_elsewhere = []
        worker = threading.Thread(target=lambda: seen_elsewhere.append(clock.now()))
        worker.start()
        worker.join()
        assert seen_elsewhere[0] > timezone.now() - datetime.timedelta(minutes=1)  # another thread: wall clock
    assert abs(clock.now() - timezone.now()) < datetime.timedelta(minutes=1)
    assert not clock.is_simulated()
    with pytest.raises(ValueError):
        SimulatedClock(datetime.datetime(2026, 1, 1))  # noqa: DTZ001 - a naive time is what is refused


def test_production_refuses_a_simulated_clock(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured), clock_simulated(SimulatedClock(timezone.now())):
        pass
    assert not clock.is_simulated()


def test_only_the_demo_history_generator_enters_the_simulated_clock():
    """No view, serializer, middleware, task or setting can set the clock: the one caller is ``simulate --days``."""
    callers = sorted(str(path.relative_to(ROOT)) for folder in ("apps", "config", "greenshield")
                     for path in (ROOT / folder).rglob("*.py")
                     if "clock_simulated(" in path.read_text(encoding="utf-8") and path.name != "clock.py")
    assert callers == ["apps/tracking/simulation.py"]
