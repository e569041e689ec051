"""The admin's evidence pages — acceptances and refusals, parcels, senders, blacklist, screenings, alerts:
scoped like the API (out of scope is 404), personal data only masked, nothing editable by anyone, and alerts
acknowledged or resolved only through a confirmation page with a note, audited by the services."""
from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from apps.parcels.models import AcceptanceRecord, Parcel
from apps.screening.models import Screening
from apps.senders.services import blacklist_create
from greenshield.enums import AlertKind, AlertStatus, FacilityKind, Role
from greenshield.identity import make_resident_id
from tests.conftest import token_client
from tests.factories import FacilityFactory, StaffFactory, UserFactory
from tests.helpers import SENDER_ID, accept, screening_body

ACCEPTANCES = "/admin/parcels/acceptancerecord/"
PARCELS = "/admin/parcels/parcel/"
SENDERS = "/admin/senders/sender/"
BLACKLIST = "/admin/senders/blacklistentry/"
SCREENINGS = "/admin/screening/screening/"
ALERTS = "/admin/compliance/alert/"

YTO_SENDER_ID = make_resident_id("320102", datetime.date(1988, 3, 9), 41)
YTO_SENDER = {"kind": "PERSON", "name": "钱多多", "id_type": "RESIDENT_ID", "id_number": YTO_SENDER_ID,
              "phone": "13700137000", "address": "江苏省南京市玄武区样例路9号"}
YTO_RECIPIENT = {"name": "孙小美", "phone": "13600136000", "address": "上海市徐汇区示例路5号", "region_code": "310104"}
# Every clear personal value used below (the helpers' default sender 张三 and recipient 李四, and YTO's people),
# as submitted and as stored (E.164).
PLAINTEXTS = ["张三", SENDER_ID, "13800138000", "+8613800138000", "上海市浦东新区世纪大道1号",
              "李四", "13900139000", "+8613900139000", "南京市玄武区中山路1号",
              "钱多多", YTO_SENDER_ID, "13700137000", "+8613700137000", YTO_SENDER["address"],
              "孙小美", "13600136000", "+8613600136000", YTO_RECIPIENT["address"]]
PROHIBITED = {"sender_present": True, "result": "PROHIBITED_FOUND", "notes": "管制刀具"}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user(world):
    return lambda kind: login(world.users[kind])


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


def assert_no_plaintext(html: str):
    for value in PLAINTEXTS:
        assert value not in html, f"plaintext personal data {value!r} in the page"


def assert_no_ciphertext(html: str, obj, *attributes: str):
    """The stored form of an encrypted column is not put on the page either."""
    stored = type(obj).objects.get(pk=obj.pk).__dict__
    for attribute in attributes:
        assert stored[attribute] and stored[attribute] not in html, attribute


@pytest.fixture
def records(world, client_for):
    """Per company one accepted and one refused (prohibited item) attempt; the refusals raise alerts."""
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


# -- acceptances and refusals ---------------------------------------------------------------------------------

def test_supervisor_index_lists_the_evidence(as_user):
    html = as_user("supervisor").get("/admin/").content.decode()
    for path in (ACCEPTANCES, PARCELS, SENDERS, BLACKLIST, SCREENINGS, ALERTS):
        assert path in html, path


def test_supervisor_sees_their_company_acceptances_and_refusals_masked(records, as_user):
    response = as_user("supervisor").get(ACCEPTANCES)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ZTO1000000001" in html and "ZTO9000000001" in html
    assert "YTO1000000001" not in html and "YTO9000000001" not in html
    assert "Acceptances and refusals" in html
    assert shown("Accepted") in html and shown("Refused") in html
    assert 'field-refusal_reason_label">Prohibited item<' in html
    assert "E1001" in html and "张*" in html
    assert_no_plaintext(html)


def test_acceptance_detail_is_masked_and_read_only(records, as_user):
    record = records.zto_refused
    response = as_user("supervisor").get(change_url(ACCEPTANCES, record))
    assert response.status_code == 200
    html = response.content.decode()
    sender, recipient = record.sender.masked, record.masked_recipient
    for masked in (sender["name"], sender["id_number"], sender["phone"], sender["address"], recipient["name"],
                   recipient["phone"], recipient["address"], recipient["region_code"]):
        assert masked in html
    assert "书籍" in html  # the declared items inline
    assert "Prohibited item found" in html and "管制刀具" in html  # the inspection
    assert "ID_CARD_READER" in html and "matched" in html  # the verification
    assert "the waybill cannot be used" in html
    assert_no_plaintext(html)
    assert_no_ciphertext(html, record, "recipient_name", "recipient_phone", "recipient_address")
    assert_no_ciphertext(html, record.sender, "name", "id_number", "phone", "address")
    assert 'name="_save"' not in html and "<textarea" not in html


def test_accepted_detail_links_its_parcel(records, as_user):
    html = as_user("supervisor").get(change_url(ACCEPTANCES, records.zto_accepted)).content.decode()
    assert change_url(PARCELS, records.zto_parcel) in html
    assert "Passed" in html
    assert_no_plaintext(html)


def test_another_company_acceptance_is_404(records, as_user):
    supervisor = as_user("supervisor")
    for url in (change_url(ACCEPTANCES, records.yto_accepted), change_url(ACCEPTANCES, records.yto_refused),
                f"{ACCEPTANCES}{records.yto_refused.pk}/history/"):
        response = supervisor.get(url)
        assert response.status_code == 404, url
        assert_no_plaintext(response.content.decode())
    assert as_user("other_regulator").get(change_url(ACCEPTANCES, records.zto_accepted)).status_code == 404
    assert as_user("regulator").get(change_url(ACCEPTANCES, records.zto_accepted)).status_code == 200


def test_acceptance_filters(records, world, as_user):
    client = as_user("supervisor")

    def waybills(**params) -> set[str]:
        return waybills_listed(client, ACCEPTANCES, **params)

    assert waybills(outcome__exact="REFUSED") == {"ZTO9000000001"}
    assert waybills(outcome__exact="ACCEPTED") == {"ZTO1000000001"}
    assert waybills(refusal_reason__exact="prohibited_item") == {"ZTO9000000001"}
    assert waybills(refusal_reason__exact="identity_mismatch") == set()
    assert waybills(outlet__id__exact=world.zto_outlet.pk) == {"ZTO1000000001", "ZTO9000000001"}
    year = timezone.localtime(records.zto_accepted.recorded_at).year
    assert waybills(recorded_at__year=year) == {"ZTO1000000001", "ZTO9000000001"}
    assert waybills(recorded_at__year=year - 1) == set()
    assert waybills(q=" zto1000000001 ") == {"ZTO1000000001"}
    assert waybills(q="YTO1000000001") == set()


def test_acceptance_filter_sidebar_offers_labels_and_in_scope_outlets_only(records, world, as_user):
    second = FacilityFactory(code="SH-MH-02", organization=world.zto, kind=FacilityKind.OUTLET,
                             region_code="310112")
    staff = StaffFactory(employee_no="E1003", facility=second, organization=world.zto)
    account = UserFactory(username="zto_outlet_2", role=Role.OUTLET_STAFF, organization=world.zto,
                          facility=second, staff=staff)
    accept(token_client(account), waybill_no="ZTO2000000001")

    html = as_user("supervisor").get(ACCEPTANCES).content.decode()
    sidebar = html[html.index('id="changelist-filter"'):]
    assert "Sender refused inspection" in sidebar and "Identity did not match" in sidebar
    offered = set(re.findall(r'\?outlet__id__exact=(\d+)"', sidebar))
    assert offered == {str(world.zto_outlet.pk), str(second.pk)}
    assert world.yto_outlet.code not in html
    assert world.yto.name not in html
    assert waybills_listed(as_user("supervisor"), ACCEPTANCES, outlet__id__exact=second.pk) == {"ZTO2000000001"}


def test_personal_data_cannot_be_queried_from_the_url(records, as_user):
    client = as_user("superuser")
    for url, params in ((ACCEPTANCES, {"recipient_name__startswith": "李"}),
                        (ACCEPTANCES, {"sender__name__startswith": "张"}),
                        (PARCELS, {"sender__phone": "+8613800138000"}),
                        (SENDERS, {"name__startswith": "张"}),
                        (SENDERS, {"id_number_index": "00"})):
        assert client.get(url, params).status_code == 400, (url, params)


# -- nothing is editable, not even by superusers -------------------------------------------------------------

@pytest.mark.parametrize("kind", ["superuser", "supervisor"])
def test_evidence_cannot_be_added_changed_or_deleted(records, as_user, kind):
    client = as_user(kind)
    screening = Screening.objects.create(
        parcel=records.zto_parcel, facility=records.zto_parcel.outlet, machine_id="XR-01",
        operator=records.zto_accepted.staff, result="CLEAR", image_ref="x", image_sha256="ab" * 32,
        screened_at=timezone.now(), recorded_by="test")
    for base, obj in ((ACCEPTANCES, records.zto_refused), (PARCELS, records.zto_parcel),
                      (SENDERS, records.zto_sender), (SCREENINGS, screening), (ALERTS, records.zto_alert)):
        assert client.get(f"{base}add/").status_code == 403, base
        assert client.post(f"{base}add/", {"waybill_no": "ZTO5555555555"}).status_code == 403, base
        if base != PARCELS:  # the parcel page is the trace timeline, tested with the trace
            page = client.get(change_url(base, obj))
            assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), base
        assert client.post(change_url(base, obj), {"waybill_no": "ZTO5555555555", "outcome": "ACCEPTED",
                                                    "status": "RESOLVED"}).status_code == 403, base
        assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403, base
        assert "delete_selected" not in client.get(base).content.decode(), base
    response = client.post(ACCEPTANCES, {"action": "delete_selected", "_selected_action": [records.zto_refused.pk],
                                         "index": 0})
    assert response.status_code in (200, 302)
    assert AcceptanceRecord.objects.filter(pk=records.zto_refused.pk).exists()
    refused = AcceptanceRecord.objects.get(pk=records.zto_refused.pk)
    assert (refused.waybill_no, refused.outcome) == ("ZTO9000000001", "REFUSED")
    assert Alert.objects.get(pk=records.zto_alert.pk).status == AlertStatus.OPEN


# -- parcels and senders ---------------------------------------------------------------------------------------

def test_parcel_list_is_scoped_and_masked(records, world, as_user):
    client = as_user("supervisor")
    html = client.get(PARCELS).content.decode()
    assert "ZTO1000000001" in html and "YTO1000000001" not in html
    assert "ZTO9000000001" not in html  # a refusal never becomes a parcel
    assert shown("ACCEPTED") in html and shown("PENDING") in html
    assert waybills_listed(client, PARCELS, screening_status__exact="PENDING") == {"ZTO1000000001"}
    assert waybills_listed(client, PARCELS, screening_status__exact="CLEAR") == set()
    assert waybills_listed(client, PARCELS, status__exact="ACCEPTED", outlet__id__exact=world.zto_outlet.pk) == {
        "ZTO1000000001"}
    assert waybills_listed(client, PARCELS, q="ZTO1000000001") == {"ZTO1000000001"}
    assert waybills_listed(as_user("superuser"), PARCELS, organization__id__exact=world.yto.pk) == {"YTO1000000001"}
    assert_no_plaintext(html)
    assert client.get(change_url(PARCELS, records.yto_parcel)).status_code == 404


def test_senders_are_scoped_and_masked(records, as_user):
    client = as_user("supervisor")
    html = client.get(SENDERS).content.decode()
    zto, yto = records.zto_sender.masked, records.yto_sender.masked
    assert zto["name"] in html and zto["id_number"] in html and zto["phone"] in html
    assert yto["id_number"] not in html and yto["phone"] not in html
    assert_no_plaintext(html)
    detail = client.get(change_url(SENDERS, records.zto_sender)).content.decode()
    assert zto["address"] in detail
    assert_no_plaintext(detail)
    assert_no_ciphertext(detail, records.zto_sender, "name", "id_number", "phone", "address")
    assert waybills_listed(client, ACCEPTANCES, sender__id__exact=records.zto_sender.pk) == {"ZTO1000000001",
                                                                                           "ZTO9000000001"}
    assert client.get(change_url(SENDERS, records.yto_sender)).status_code == 404
    assert as_user("other_supervisor").get(change_url(SENDERS, records.yto_sender)).status_code == 200


def test_blacklist_is_scoped_and_masked(records, world, as_user):
    region_id = make_resident_id("320102", datetime.date(1975, 1, 2), 17)
    yto_id = make_resident_id("320102", datetime.date(1980, 4, 5), 23)
    region = blacklist_create(actor=world.users["other_regulator"], subject="SENDER", reason="多次寄递违禁品",
                              id_type="RESIDENT_ID", id_number=region_id)
    company = blacklist_create(actor=world.users["other_supervisor"], subject="SENDER", reason="YTO 内部名单",
                               id_type="RESIDENT_ID", id_number=yto_id)
    staff = blacklist_create(actor=world.users["supervisor"], subject="STAFF", reason="违规收寄",
                             staff=world.zto_courier)
    client = as_user("supervisor")
    html = client.get(BLACKLIST).content.decode()
    assert region.masked_id_number in html and shown("REGION") in html and shown("COMPANY") in html
    assert "staff E1001" in html and "多次寄递违禁品" in html
    assert company.masked_id_number not in html and "YTO 内部名单" not in html
    for number in (region_id, yto_id, world.zto_courier.id_number):
        assert number not in html
    assert client.get(change_url(BLACKLIST, company)).status_code == 404
    detail = client.get(change_url(BLACKLIST, region)).content.decode()
    assert region.masked_id_number in detail and region_id not in detail
    assert_no_ciphertext(detail, region, "id_number")
    assert listed(client, BLACKLIST, scope="COMPANY") == [staff]
    assert listed(client, BLACKLIST, scope="REGION") == [region]
    assert set(listed(client, BLACKLIST, state="in_force")) == {staff, region}
    assert listed(client, BLACKLIST, state="revoked") == []
    assert client.post(change_url(BLACKLIST, staff), {"reason": "x"}).status_code == 403


# -- screenings ---------------------------------------------------------------------------------------------

def test_screening_list_shows_result_and_resolution(records, world, client_for, as_user):
    response = client_for("screener").post("/api/v1/screenings/", screening_body("ZTO1000000001", "SUSPECT"),
                                           format="json")
    assert response.status_code == 201, response.content
    screening = Screening.objects.get(pk=response.json()["id"])
    client = as_user("supervisor")
    html = client.get(SCREENINGS).content.decode()
    assert "ZTO1000000001" in html and shown("SUSPECT") in html and "XR-01" in html and "E1002" in html
    assert shown("awaiting") in html
    assert listed(client, SCREENINGS, recheck="awaiting") == [screening]

    resolved = client_for("supervisor").post(f"/api/v1/screenings/{screening.pk}/resolution/",
                                             {"result": "CLEARED", "notes": "开箱复检：书籍"}, format="json")
    assert resolved.status_code == 201, resolved.content
    html = client.get(SCREENINGS).content.decode()
    assert shown("SUSPECT") in html and shown("CLEARED") in html and shown("awaiting") not in html
    assert listed(client, SCREENINGS, result__exact="SUSPECT") == [screening]
    assert listed(client, SCREENINGS, result__exact="CLEAR") == []
    assert listed(client, SCREENINGS, recheck="awaiting") == []
    assert listed(client, SCREENINGS, recheck="CLEARED") == [screening]
    assert listed(client, SCREENINGS, facility__id__exact=world.zto_hub.pk) == [screening]
    assert listed(client, SCREENINGS, q="zto1000000001") == [screening]
    assert listed(client, SCREENINGS, q="YTO1000000001") == []

    detail = client.get(change_url(SCREENINGS, screening)).content.decode()
    assert "开箱复检：书籍" in detail and "zto_supervisor" in detail and "CLEARED" in detail
    assert 'name="_save"' not in detail
    assert as_user("other_supervisor").get(change_url(SCREENINGS, screening)).status_code == 404
    assert listed(as_user("other_regulator"), SCREENINGS) == []
    assert listed(as_user("regulator"), SCREENINGS) == [screening]


# -- alerts --------------------------------------------------------------------------------------------------

def test_alerts_are_scoped(records, as_user):
    html = as_user("supervisor").get(ALERTS).content.decode()
    assert "ZTO9000000001" in html and "YTO9000000001" not in html
    assert 'field-kind_label"><a href="' in html and ">Prohibited item at acceptance</a>" in html
    assert shown("HIGH") in html and shown("OPEN") in html

    jiangsu = as_user("other_regulator")
    assert listed(jiangsu, ALERTS) == [records.yto_alert]
    assert "ZTO9000000001" not in jiangsu.get(ALERTS).content.decode()
    assert jiangsu.get(change_url(ALERTS, records.zto_alert)).status_code == 404
    assert as_user("regulator").get(change_url(ALERTS, records.zto_alert)).status_code == 200


def test_alert_filters_and_search(records, world, as_user):
    client, alert = as_user("regulator"), records.zto_alert
    assert listed(client, ALERTS, kind__exact="prohibited_item_at_acceptance") == [alert]
    assert listed(client, ALERTS, kind__exact="suspect_screening") == []
    assert listed(client, ALERTS, status__exact="RESOLVED") == []
    assert listed(client, ALERTS, status__exact="OPEN", severity__exact="HIGH") == [alert]
    assert listed(client, ALERTS, organization__id__exact=world.zto.pk) == [alert]
    assert listed(client, ALERTS, facility__id__exact=world.zto_outlet.pk) == [alert]
    assert listed(client, ALERTS, created_at__year=timezone.localtime(alert.created_at).year) == [alert]
    assert listed(client, ALERTS, q=" zto9000000001") == [alert]
    assert listed(client, ALERTS, q="ZTO1000000001") == []
    assert listed(client, ALERTS, parcel__id__exact=records.zto_parcel.pk) == []
    html = client.get(ALERTS).content.decode()
    assert "Blacklisted sender tried to send" in html  # kinds are offered by their human label


def test_acknowledge_through_the_confirmation_page_with_a_note(records, world, as_user):
    client = as_user("supervisor")
    alert = records.zto_alert
    assert "acknowledge_alerts" in client.get(ALERTS).content.decode()

    page = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [alert.pk], "index": 0})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="note"' in html and alert.summary in html and 'name="confirm"' in html
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN

    done = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [alert.pk], "confirm": "yes",
                                "note": "值班主管已联系网点"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == world.users["supervisor"]
    assert "值班主管已联系网点" in alert.note
    entry = AuditEntry.objects.get(action="alert.acknowledge", target_id=str(alert.pk))
    assert entry.reason == "值班主管已联系网点" and entry.actor == "zto_supervisor"
    assert entry.organization_id == world.zto.pk


def test_resolve_needs_a_note_and_is_audited(records, world, as_user):
    client = as_user("regulator")
    alert = records.zto_alert
    selection = {"action": "resolve_alerts", "_selected_action": [alert.pk]}
    missing = client.post(ALERTS, {**selection, "confirm": "yes", "note": ""})
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN

    done = client.post(ALERTS, {**selection, "confirm": "yes", "note": "刀具已交公安机关"}, follow=True)
    assert done.redirect_chain and done.redirect_chain[0][1] == 302
    assert any("Resolved 1 alert" in str(m) for m in done.context["messages"])
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == world.users["regulator"]
    entry = AuditEntry.objects.get(action="alert.resolve", target_id=str(alert.pk))
    assert entry.reason == "刀具已交公安机关"


def test_alerts_in_the_wrong_state_are_skipped_with_a_message(records, world, as_user):
    client = as_user("supervisor")
    resolved, fresh = records.zto_alert, Alert.objects.create(
        kind=AlertKind.UNSCREENED_OVERDUE, severity="WARNING", organization=world.zto, facility=world.zto_outlet,
        parcel=records.zto_parcel, summary="ZTO1000000001: no screening 30 h after acceptance")
    client.post(ALERTS, {"action": "resolve_alerts", "_selected_action": [resolved.pk], "confirm": "yes",
                         "note": "done"})

    page = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [resolved.pk, fresh.pk],
                                "index": 0}).content.decode()
    assert "only open alerts can be acknowledged" in page and fresh.summary in page
    response = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [resolved.pk, fresh.pk],
                                    "confirm": "yes", "note": ""}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Acknowledged 1 alert" in m for m in messages)
    assert any("Skipped 1 alert" in m for m in messages)
    assert Alert.objects.get(pk=fresh.pk).status == AlertStatus.ACKNOWLEDGED
    assert Alert.objects.get(pk=resolved.pk).status == AlertStatus.RESOLVED
    assert AuditEntry.objects.filter(action="alert.acknowledge", target_id=str(resolved.pk)).count() == 0

    nothing = client.post(ALERTS, {"action": "resolve_alerts", "_selected_action": [resolved.pk], "index": 0})
    assert "None of the selected alerts can be changed" in nothing.content.decode()


def test_out_of_scope_alerts_cannot_be_acted_on(records, as_user):
    jiangsu = as_user("other_regulator")
    for action in ("acknowledge_alerts", "resolve_alerts"):
        jiangsu.post(ALERTS, {"action": action, "_selected_action": [records.zto_alert.pk], "confirm": "yes",
                              "note": "not mine"})
    assert Alert.objects.get(pk=records.zto_alert.pk).status == AlertStatus.OPEN
    assert not AuditEntry.objects.filter(action__startswith="alert.", target_id=str(records.zto_alert.pk)).exists()


def test_alert_detail_is_read_only_and_links_the_attempt(records, as_user):
    html = as_user("supervisor").get(change_url(ALERTS, records.zto_alert)).content.decode()
    assert change_url(ACCEPTANCES, records.zto_refused) in html
    assert "Prohibited item at acceptance" in html and 'name="_save"' not in html
    assert_no_plaintext(html)


# -- query counts ----------------------------------------------------------------------------------------------

def test_changelist_queries_do_not_grow_with_rows(records, world, client_for, as_user):
    client = as_user("supervisor")

    def counts() -> dict[str, int]:
        result = {}
        for url in (ACCEPTANCES, PARCELS, SENDERS, BLACKLIST, SCREENINGS, ALERTS):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result[url] = len(queries.captured_queries)
        return result

    before = counts()
    for index in range(4):
        waybill = f"ZTO30000000{index:02d}"
        id_number = make_resident_id("310115", datetime.date(1990, 1, 1 + index), 100 + index)
        accept(client_for("outlet_staff"), waybill_no=waybill, sender={
            "kind": "PERSON", "name": f"测试{index}", "id_type": "RESIDENT_ID", "id_number": id_number,
            "phone": f"1380013{index:04d}", "address": "上海市浦东新区测试路1号"})
        blacklist_create(actor=world.users["supervisor"], subject="SENDER", reason=f"测试 {index}",
                         id_type="RESIDENT_ID", id_number=make_resident_id("310115", datetime.date(1970, 2, 1 + index), 7))
        accept(client_for("outlet_staff"), waybill_no=f"ZTO40000000{index:02d}", inspection=PROHIBITED)
        response = client_for("screener").post("/api/v1/screenings/", screening_body(waybill, "SUSPECT"),
                                               format="json")
        assert response.status_code == 201
    assert counts() == before
