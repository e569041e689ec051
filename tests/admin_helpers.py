"""What the admin tests share: the admin's addresses, a logged-in browser client, how a changelist and a badge are
read, and the evidence records (per company an acceptance and a refusal) the record pages show."""
from __future__ import annotations

from types import SimpleNamespace

from django.test import Client

from apps.compliance.models import Alert
from apps.parcels.models import AcceptanceRecord, Parcel
from greenshield.enums import AlertKind
from tests.helpers import YTO_RECIPIENT, YTO_SENDER, accept

STAFF = "/admin/organizations/staff/"
ORGANIZATIONS = "/admin/organizations/organization/"
FACILITIES = "/admin/organizations/facility/"
DEVICES = "/admin/accounts/device/"
USERS = "/admin/accounts/user/"
AUDIT = "/admin/audit/auditentry/"
ACCEPTANCES = "/admin/parcels/acceptancerecord/"
PARCELS = "/admin/parcels/parcel/"
SENDERS = "/admin/senders/sender/"
BLACKLIST = "/admin/senders/blacklistentry/"
SCREENINGS = "/admin/screening/screening/"
ALERTS = "/admin/compliance/alert/"

# An inspection that finds a prohibited item: the attempt is refused and raises an alert.
PROHIBITED = {"sender_present": True, "result": "PROHIBITED_FOUND", "notes": "管制刀具"}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(base: str, obj) -> str:
    return f"{base}{obj.pk}/change/"


def listed(client, url: str, **params) -> list:
    """The objects a changelist shows (not the page text, which echoes the search term back)."""
    response = client.get(url, params)
    assert response.status_code == 200, (url, params)
    return list(response.context["cl"].result_list)


def waybills_listed(client, url: str, **params) -> set[str]:
    return {obj.waybill_no if hasattr(obj, "waybill_no") else obj.parcel.waybill_no
            for obj in listed(client, url, **params)}


def shown(label: str) -> str:
    """How a colored badge appears in the page."""
    return f">{label}</span>"


def assert_no_ciphertext(html: str, obj, *attributes: str):
    """The stored form of an encrypted column is not put on the page either."""
    stored = type(obj).objects.get(pk=obj.pk).__dict__
    for attribute in attributes:
        assert stored[attribute] and stored[attribute] not in html, attribute


def evidence_records(world, client_for) -> SimpleNamespace:
    """Per company one accepted and one refused (prohibited item) attempt through the API; the refusals raise
    alerts. ZTO's are the default people's, YTO's ``YTO_SENDER``'s and ``YTO_RECIPIENT``'s."""
    zto, yto = client_for("outlet_staff"), client_for("other_outlet_staff")
    accept(zto, waybill_no="ZTO1000000001")
    accept(zto, waybill_no="ZTO9000000001", inspection=PROHIBITED)
    accept(yto, waybill_no="YTO1000000001", sender=YTO_SENDER, recipient=YTO_RECIPIENT)
    accept(yto, waybill_no="YTO9000000001", sender=YTO_SENDER, recipient=YTO_RECIPIENT, inspection=PROHIBITED)
    records = {record.waybill_no: record for record in AcceptanceRecord.objects.all()}
    return SimpleNamespace(
        zto_accepted=records["ZTO1000000001"], zto_refused=records["ZTO9000000001"],
        yto_accepted=records["YTO1000000001"], yto_refused=records["YTO9000000001"],
        zto_parcel=Parcel.objects.get(waybill_no="ZTO1000000001"),
        yto_parcel=Parcel.objects.get(waybill_no="YTO1000000001"),
        zto_sender=records["ZTO1000000001"].sender, yto_sender=records["YTO1000000001"].sender,
        zto_alert=Alert.objects.get(organization=world.zto, kind=AlertKind.PROHIBITED_ITEM_AT_ACCEPTANCE),
        yto_alert=Alert.objects.get(organization=world.yto, kind=AlertKind.PROHIBITED_ITEM_AT_ACCEPTANCE),
    )
