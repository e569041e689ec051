"""Building evidence through the API and reading the log back, for the transparency-log tests."""
from __future__ import annotations

import uuid

from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.parcels.models import CheckpointEvent
from apps.transparency.models import LogLeaf
from apps.transparency.services import log_integrate
from tests.helpers import accept, screening_body
from tests.journeys import post_events


def evidence(client_for, parcels: int = 2, scans=("ARRIVED", "SORTED")) -> list[str]:
    """``parcels`` accepted parcels, each screened CLEAR and scanned; one refused attempt."""
    outlet = client_for("outlet_staff")
    waybills = [accept(outlet)["waybill_no"] for _ in range(parcels)]
    for waybill in waybills:
        assert client_for("screener").post("/api/v1/screenings/", screening_body(waybill),
                                           format="json").status_code == 201
    post_events(client_for("device"), [
        {"event_id": str(uuid.uuid4()), "waybill_no": wb, "type": kind, "occurred_at": timezone.now().isoformat(),
         "facility": "SH-HUB-01"} for kind in scans for wb in waybills])
    refused = accept(outlet, verification={"method": "ID_CARD_READER", "identity_matched": False})
    assert refused["outcome"] == "REFUSED"
    return waybills


def expected_leaves() -> set[str]:
    return ({f"link:{h}" for h in CheckpointEvent.objects.values_list("hash", flat=True)}
            | {f"audit:{h}" for h in AuditEntry.objects.values_list("hash", flat=True)})


def integrated() -> list[tuple[int, str]]:
    return list(LogLeaf.objects.order_by("index").values_list("index", "data"))


def integrate_all():
    result = log_integrate()
    assert not result.busy
    return result
