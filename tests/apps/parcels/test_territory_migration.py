"""The territory migration on a database that already holds parcels: nothing accepted before is lost, and the rows
stored before it get their company on each link, their territories and the blind index of the phone given."""
from __future__ import annotations

import pytest
from django.db import connection

from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Parcel, ParcelTerritory, VehicleTerritory
from greenshield import crypto
from tests.helpers import accept, events_post, migrate_to, scan

BEFORE = [("parcels", "0009_accountability_and_territory"), ("organizations", "0003_waybill_prefix")]
AFTER = [("parcels", "0011_event_organization_required"), ("organizations", "0004_waybill_prefix_backfill")]






@pytest.mark.django_db(transaction=True)
def test_the_backfill_keeps_every_row_and_fills_the_territory(require_postgres, back_to_latest, world, client_for):
    from tests.factories import VehicleFactory

    VehicleFactory(plate="沪A12345", organization=world.zto)
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    assert events_post(client_for("device"), [scan(waybill, "LOADED", vehicle="沪A12345")])["summary"]["accepted"] == 1
    parcel = Parcel.objects.get(waybill_no=waybill)
    record = AcceptanceRecord.objects.get(waybill_no=waybill)
    counts = (Parcel.objects.count(), CheckpointEvent.objects.count(), AcceptanceRecord.objects.count())
    # The database as it stood before the territory: links without their company, no territory rows, no
    # index of the phone given, no waybill prefix.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM parcels_parcelterritory")
        cursor.execute("DELETE FROM parcels_vehicleterritory")
        cursor.execute("UPDATE parcels_acceptancerecord SET given_sender_phone_index = NULL")
        cursor.execute("UPDATE organizations_organization SET waybill_prefix = ''")
    migrate_to(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")  # nothing here touches the audit log
        cursor.execute("UPDATE tracking_checkpointevent SET organization_id = NULL")
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")

    migrate_to(AFTER)

    assert (Parcel.objects.count(), CheckpointEvent.objects.count(), AcceptanceRecord.objects.count()) == counts
    assert set(CheckpointEvent.objects.values_list("organization_id", flat=True)) == {world.zto.pk}
    assert list(ParcelTerritory.objects.filter(parcel=parcel).values_list("province", flat=True)) == ["310000"]
    assert list(VehicleTerritory.objects.values_list("vehicle__plate", "province")) == [("沪A12345", "310000")]
    record.refresh_from_db()
    assert record.given_sender_phone_index == crypto.blind_index(crypto.current_keyring(), "+8613800138000",
                                                                 index="phone")
    assert set(type(world.zto).objects.values_list("code", "waybill_prefix")) == {("ZTO", "ZTO"), ("YTO", "YTO")}
