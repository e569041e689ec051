"""Territorial jurisdiction: a regulator supervises what happens on their province's territory — every parcel with
any link at a facility there (with its whole trace), and the alerts, facilities, staff, vehicles and devices
located there — not what a company's registration says. The Delta's joint supervision (``regional_regulator``)
sees all three provinces. The case from the issue: a Shanghai company opens an outlet in Nanjing."""
from __future__ import annotations

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.models import Notification
from apps.parcels.models import Parcel, ParcelTerritory
from greenshield.enums import FacilityKind, Province, Role
from tests.conftest import device_client, token_client
from tests.factories import DeviceFactory, FacilityFactory, StaffFactory, UserFactory
from tests.helpers import acceptance_body

pytestmark = pytest.mark.django_db
REASON = "公安机关协查 case 2026-311"


class Delta:
    """The conftest world plus ZTO's Nanjing outlet (Jiangsu) with its staff, account and scanner, and the Delta's
    regional regulator."""

    def __init__(self, world):
        self.world = world
        self.nj_outlet = FacilityFactory(code="NJ-ZTO-01", organization=world.zto, kind=FacilityKind.OUTLET,
                                         region_code="320106")
        self.nj_staff = StaffFactory(employee_no="E1101", organization=world.zto, facility=self.nj_outlet)
        self.nj_account = UserFactory(username="zto_nj_outlet", role=Role.OUTLET_STAFF, organization=world.zto,
                                      facility=self.nj_outlet, staff=self.nj_staff)
        self.nj_device = DeviceFactory(serial="SCN-NJ-ZTO", organization=world.zto, facility=self.nj_outlet)
        self.regional = UserFactory(username="delta", role=Role.REGIONAL_REGULATOR, is_staff=True)
        self.zj_regulator = UserFactory(username="zj_regulator", role=Role.REGULATOR, province=Province.ZHEJIANG,
                                        is_staff=True)

    def client(self, kind: str):
        users = {"regional": self.regional, "zhejiang": self.zj_regulator, "nanjing_outlet": self.nj_account}
        return token_client(users.get(kind) or self.world.users[kind])

    def accept_in_nanjing(self, waybill: str = "ZTO3200000001") -> str:
        response = self.client("nanjing_outlet").post("/api/v1/acceptances/", acceptance_body(waybill_no=waybill),
                                                      format="json")
        assert response.status_code == 201 and response.json()["outcome"] == "ACCEPTED", response.content
        return waybill


@pytest.fixture
def delta(world):
    return Delta(world)


def trace(client, waybill):
    return client.get(f"/api/v1/parcels/{waybill}/trace/")


def test_the_regulator_of_the_place_sees_a_parcel_accepted_there_not_the_company_registry(delta):
    waybill = delta.accept_in_nanjing()

    assert trace(delta.client("other_regulator"), waybill).status_code == 200  # Jiangsu: where it happened
    assert trace(delta.client("regulator"), waybill).status_code == 404  # Shanghai: only the company's registry
    assert trace(delta.client("zhejiang"), waybill).status_code == 404
    assert trace(delta.client("regional"), waybill).status_code == 200
    assert trace(delta.client("supervisor"), waybill).status_code == 200  # the company's own supervisor
    assert trace(delta.client("other_supervisor"), waybill).status_code == 404


def test_reveal_and_sender_search_follow_the_territory(delta):
    waybill = delta.accept_in_nanjing()
    reveal = f"/api/v1/parcels/{waybill}/reveal/"

    assert delta.client("regulator").post(reveal, {"reason": REASON}, format="json").status_code == 404
    jiangsu = delta.client("other_regulator").post(reveal, {"reason": REASON}, format="json")
    assert jiangsu.status_code == 200 and jiangsu.json()["sender"]["name"] == "张三"
    assert delta.client("regional").post(reveal, {"reason": REASON}, format="json").status_code == 200
    entries = AuditEntry.objects.filter(action="pii.reveal").order_by("at")
    # A disclosure belongs to the province where the data was collected, whoever made it.
    assert [(e.actor, e.province) for e in entries] == [("js_regulator", "320000"), ("delta", "320000")]

    search = {"phone": "13800138000", "reason": REASON}
    found = {kind: [s["id"] for s in delta.client(kind).post("/api/v1/senders/search/", search, format="json")
                    .json()["results"]] for kind in ("regulator", "other_regulator", "regional")}
    assert found["regulator"] == [] and len(found["other_regulator"]) == 1 == len(found["regional"])


def test_a_parcel_joins_a_province_when_a_link_happens_there(delta, world, client_for):
    """Accepted in Shanghai, sorted at a Jiangsu hub of the same company: both regulators trace it, whole."""
    waybill = client_for("outlet_staff").post("/api/v1/acceptances/", acceptance_body(waybill_no="ZTO3100000009"),
                                              format="json").json()["waybill_no"]
    assert trace(delta.client("other_regulator"), waybill).status_code == 404
    js_hub = FacilityFactory(code="NJ-ZTO-HUB", organization=world.zto, kind=FacilityKind.HUB, region_code="320115")
    scanner = DeviceFactory(serial="SCN-NJ-ZTO-HUB", organization=world.zto, facility=js_hub)
    response = device_client(scanner).post("/api/v1/events/", {"events": [{
        "event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "ARRIVED",
        "occurred_at": timezone.now().isoformat()}]}, format="json")
    assert response.json()["summary"]["accepted"] == 1, response.content

    jiangsu = trace(delta.client("other_regulator"), waybill)
    assert jiangsu.status_code == 200
    assert [e["type"] for e in jiangsu.json()["events"]] == ["ACCEPTED", "INSPECTED", "ARRIVED"]  # the whole chain
    assert trace(delta.client("regulator"), waybill).status_code == 200
    assert set(ParcelTerritory.objects.filter(parcel__waybill_no=waybill).values_list("province", flat=True)) == {
        "310000", "320000"}


def test_reference_data_and_alerts_are_seen_where_they_are(delta, world):
    waybill = delta.accept_in_nanjing()
    parcel = Parcel.objects.get(waybill_no=waybill)
    from apps.compliance.services import alert_raise

    alert_raise(kind="dispatch_without_screening", organization=world.zto, facility=delta.nj_outlet, parcel=parcel,
                summary="probe at NJ-ZTO-01")

    def codes(kind, url, field):
        response = delta.client(kind).get(url)
        assert response.status_code == 200, response.content
        return {row[field] for row in response.json()["results"]}

    assert "NJ-ZTO-01" in codes("other_regulator", "/api/v1/facilities/", "code")
    assert "NJ-ZTO-01" not in codes("regulator", "/api/v1/facilities/", "code")
    assert "E1101" in codes("other_regulator", "/api/v1/staff/", "employee_no")
    assert "E1101" not in codes("regulator", "/api/v1/staff/", "employee_no")
    assert "SCN-NJ-ZTO" in codes("other_regulator", "/api/v1/devices/", "serial")
    # Companies registered in the province, and those operating a facility there.
    assert codes("other_regulator", "/api/v1/organizations/", "code") == {"YTO", "ZTO"}
    assert codes("regulator", "/api/v1/organizations/", "code") == {"ZTO"}
    assert "probe at NJ-ZTO-01" in codes("other_regulator", "/api/v1/alerts/", "summary")
    assert "probe at NJ-ZTO-01" not in codes("regulator", "/api/v1/alerts/", "summary")
    assert codes("regional", "/api/v1/organizations/", "code") == {"YTO", "ZTO"}


def test_serious_alerts_notify_the_regulators_of_the_place(delta, world):
    from apps.common.outbox import outbox_relay
    from apps.compliance.services import alert_raise

    parcel = Parcel.objects.get(waybill_no=delta.accept_in_nanjing())
    alert = alert_raise(kind="movement_while_on_hold", organization=world.zto, facility=delta.nj_outlet,
                        parcel=parcel, summary="moved while on hold")  # HIGH: regulators are told
    outbox_relay()  # what the worker does (in the request's transaction here, so on_commit never fires)
    notified = set(Notification.objects.filter(alert=alert).values_list("recipient__username", flat=True))
    assert "js_regulator" in notified and "sh_regulator" not in notified and "zto_supervisor" in notified


def test_audit_entries_carry_the_province_of_the_place(delta):
    waybill = delta.accept_in_nanjing()
    entry = AuditEntry.objects.get(action="acceptance.record", target_repr__startswith=waybill)
    assert entry.province == "320000"
    jiangsu_log = delta.client("other_regulator").get("/api/v1/audit-entries/", {"action": "acceptance.record"})
    shanghai_log = delta.client("regulator").get("/api/v1/audit-entries/", {"action": "acceptance.record"})
    assert [e["target_repr"] for e in jiangsu_log.json()["results"]] == [f"{waybill} ACCEPTED"]
    assert shanghai_log.json()["results"] == []


def test_the_regional_regulator_reveals_with_a_reason_but_keeps_no_blacklist(delta):
    client = delta.client("regional")
    waybill = delta.accept_in_nanjing()
    assert client.post(f"/api/v1/parcels/{waybill}/reveal/", {}, format="json").status_code == 400
    assert client.get("/api/v1/blacklist/").status_code == 200
    created = client.post("/api/v1/blacklist/", {"subject": "SENDER", "id_type": "RESIDENT_ID",
                                                 "id_number": "11010519491231002X", "reason": "no"}, format="json")
    assert created.status_code == 403
    assert client.get("/api/v1/audit-entries/").status_code == 200
    assert client.post("/api/v1/acceptances/", acceptance_body(), format="json").status_code == 403


def test_create_account_makes_a_regional_regulator(world):
    from django.core.management import call_command

    call_command("create_account", "delta2", "--role", "regional_regulator", "--password", "a-long-enough-pw-42")
    user = Group.objects.get(name="regional_regulator").user_set.get(username="delta2")
    assert (user.username, user.is_staff, user.province, user.organization_id) == ("delta2", True, "", None)


# -- the scope filter stays an indexed lookup -----------------------------------------------------------------

def _bulk_parcels(world, outlet, count: int, start: int) -> None:
    """``count`` accepted parcels at ``outlet`` with their territory, without the services (a fixture, fast)."""
    from apps.parcels.models import AcceptanceRecord
    from apps.senders.models import Sender

    sender = Sender.objects.first()
    staff = outlet.staff.first()
    account = world.users["outlet_staff"]
    now = timezone.now()
    records = [AcceptanceRecord(waybill_no=f"ZTO9{start + n:09d}", outcome="ACCEPTED", organization=world.zto,
                                outlet=outlet, staff=staff, account=account, sender=sender, recipient_region_code="320102",
                                weight_g=100, recorded_at=now) for n in range(count)]
    AcceptanceRecord.objects.bulk_create(records, batch_size=2000)
    parcels = [Parcel(waybill_no=r.waybill_no, organization=world.zto, outlet=outlet, acceptance=r, sender=sender,
                      accepted_at=now - datetime.timedelta(seconds=n), status_since=now) for n, r in enumerate(records)]
    Parcel.objects.bulk_create(parcels, batch_size=2000)
    ParcelTerritory.objects.bulk_create([ParcelTerritory(parcel=p, province=outlet.province) for p in parcels],
                                        batch_size=2000)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_regulators_list_and_trace_cost_the_same_queries_at_10_and_10000_parcels(require_postgres, delta, world):
    waybill = delta.accept_in_nanjing()
    _bulk_parcels(world, delta.nj_outlet, 9, 0)
    client = delta.client("other_regulator")
    small = (_queries(client, f"/api/v1/parcels/{waybill}/trace/"), _admin_list_queries(world))
    _bulk_parcels(world, delta.nj_outlet, 9990, 10)
    assert Parcel.objects.restrict(world.users["other_regulator"]).count() == 10000
    assert (_queries(client, f"/api/v1/parcels/{waybill}/trace/"), _admin_list_queries(world)) == small


def _admin_list_queries(world) -> int:
    from django.test import Client

    client = Client()
    client.force_login(world.users["other_regulator"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/parcels/parcel/")
    assert response.status_code == 200
    return len(captured)
