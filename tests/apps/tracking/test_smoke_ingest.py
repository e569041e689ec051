import uuid

from django.utils import timezone

from apps.parcels.models import Parcel
from apps.tracking.services import chain_verify
from tests.factories import VehicleFactory
from tests.helpers import accept


def test_batch(world, client_for):
    VehicleFactory(plate="沪A12345", organization=world.zto)
    wb = accept(client_for("outlet_staff"))["waybill_no"]
    now = timezone.now().isoformat()
    e1 = {"event_id": str(uuid.uuid4()), "waybill_no": wb, "type": "ARRIVED", "occurred_at": now}
    e2 = {"event_id": str(uuid.uuid4()), "waybill_no": wb, "type": "LOADED", "occurred_at": now, "vehicle": "沪A12345"}
    bad = {"event_id": str(uuid.uuid4()), "waybill_no": "NOPE1234", "type": "ARRIVED", "occurred_at": now}
    r = client_for("device").post("/api/v1/events/", {"events": [e1, e2, bad, e1]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    print(body)
    assert [x["status"] for x in body["results"]] == ["ACCEPTED", "ACCEPTED", "REJECTED", "DUPLICATE"]
    assert body["results"][1]["flags"] == ["dispatch_without_clear_screening"]
    p = Parcel.objects.get()
    assert chain_verify(p).valid and p.chain_length == 4
    r = client_for("device").post("/api/v1/events/", {"events": [e1, {**e2, "type": "UNLOADED"}]}, format="json")
    assert [x["status"] for x in r.json()["results"]] == ["DUPLICATE", "CONFLICT"]
