"""The parcel pages a supervisor audits in: the parcel list, the parcel read as a timeline (controls, chain,
integrity, custody, vehicles, alerts), the reverse traces from a courier and a vehicle, the blind-index search by
ID number or phone, and the audited reveal — scoped like the API, masked, and with nothing editable."""
from __future__ import annotations

import datetime
import html as html_lib
import re
from urllib.parse import quote

import pytest
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from apps.parcels.chain import LinkSpec, chain_append
from apps.parcels.models import CheckpointEvent, Parcel
from greenshield.enums import AlertKind
from greenshield.identity import make_resident_id
from tests.admin_helpers import PARCELS, change_url, shown, waybills_listed
from tests.helpers import SENDER_ID, YTO_SENDER, accept, assert_no_plaintext
from tests.journeys import COURIER, PLATE, run_journey

FIND_SENDER = f"{PARCELS}find-sender/"


@pytest.fixture
def journey(world, client_for):
    return run_journey(world, client_for, waybill_no="ZTO0000000001", late=None)


def page_url(parcel) -> str:
    return f"{PARCELS}{parcel.pk}/change/"


def courier_url(employee_no: str) -> str:
    return f"{PARCELS}courier/{employee_no}/"


def vehicle_url(plate: str) -> str:
    return f"{PARCELS}vehicle/{quote(plate)}/"


def chain_rows(page: str) -> list[tuple[str, int, str]]:
    """(type, seq, row html) of each row of the chain table, in page order."""
    rows = re.findall(r'<tr class="gs-event[^"]*" data-type="([A-Z_]+)" data-seq="(\d+)">(.*?)</tr>', page, re.S)
    return [(kind, int(seq), body) for kind, seq, body in rows]


def section(page: str, element_id: str) -> str:
    """The element with this id, start tag to its matching end tag."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"', page)
    assert match, element_id
    tag, depth = match.group(1), 0
    for piece in re.finditer(rf"<(/?){tag}\b", page[match.start():]):
        depth += -1 if piece.group(1) else 1
        if depth == 0:
            return page[match.start(): match.start() + piece.end()]
    raise AssertionError(f"unclosed {element_id}")


def test_supervisor_reads_the_parcel_page_as_a_timeline(journey, as_user):
    response = as_user("supervisor").get(page_url(journey.parcel))
    assert response.status_code == 200
    page = response.content.decode()

    # the three controls and the parcel's status, as colored badges
    controls = section(page, "controls")
    for label in ("PASSED", "VERIFIED", "CLEAR"):
        assert shown(label) in controls, label
    assert "Inspection at acceptance" in controls and "Real-name verification" in controls
    assert "X-ray screening" in controls
    assert shown("DELIVERED") in section(page, "parcel-status")

    # the chain, in the order things happened, each link with who and what handled it
    rows = chain_rows(page)
    stored = list(CheckpointEvent.objects.filter(parcel=journey.parcel).order_by("occurred_at", "seq"))
    assert [(kind, seq) for kind, seq, _ in rows] == [(e.type, e.seq) for e in stored]
    assert [kind for kind, _, _ in rows][-8:] == ["ARRIVED", "SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER",
                                                   "OUT_FOR_DELIVERY", "DELIVERED"]
    by_type = {kind: body for kind, _, body in rows}
    loaded = by_type["LOADED"]
    assert "Loaded onto vehicle" in loaded and "SH-HUB-01" in loaded and "SCN-ZTO-1" in loaded
    assert f'href="{vehicle_url(PLATE)}"' in loaded and PLATE in loaded
    handover = by_type["HANDOVER"]
    assert "SH-ST-01" in handover and f'href="{courier_url(COURIER)}">{COURIER}<' in handover
    for event in stored:
        assert f'{event.hash[:10]}…' in page and f'title="{event.hash}"' in page
    assert "—" in by_type["SORTED"]  # no flags

    # the verdict, custody, vehicles
    assert f"Chain intact — {journey.parcel.chain_length} links" in section(page, "integrity")
    assert "Chain altered" not in page
    assert COURIER in section(page, "custody") and "Delivered" in section(page, "custody")
    legs = section(page, "legs")
    assert PLATE in legs and "SH-HUB-01" in legs and "SH-ST-01" in legs
    assert "No alerts for this parcel." in page

    # masked people, links to the sender's other parcels and the reveal
    sender = journey.parcel.sender
    assert sender.masked["name"] in page and sender.masked["id_number"] in page and sender.masked["phone"] in page
    assert f"{PARCELS}?sender={sender.pk}" in page
    assert f"{PARCELS}{journey.parcel.pk}/reveal/" in page
    assert_no_plaintext(page)
    assert 'name="_save"' not in page and "<textarea" not in page


def test_a_flagged_load_shows_red_flags_and_its_alert(world, client_for, as_user):
    journey = run_journey(world, client_for, screening=None, waybill_no="ZTO0000000001", late=None)
    page = as_user("supervisor").get(page_url(journey.parcel)).content.decode()

    assert shown("PENDING") in section(page, "controls")
    rows = {kind: body for kind, _, body in chain_rows(page)}
    assert "#b42318" in rows["LOADED"] and shown("dispatched without a clear X-ray") in rows["LOADED"]
    assert shown("dispatched without a clear X-ray") not in rows["ARRIVED"]
    alert = Alert.objects.filter(parcel=journey.parcel, kind=AlertKind.DISPATCH_WITHOUT_SCREENING).first()
    assert alert is not None
    alerts = section(page, "alerts")
    assert "Dispatched without a clear screening" in alerts and f"/admin/compliance/alert/{alert.pk}/change/" in alerts


def test_another_company_or_province_gets_404(journey, as_user):
    for kind in ("other_supervisor", "other_regulator"):
        client = as_user(kind)
        for url in (page_url(journey.parcel), f"{PARCELS}{journey.parcel.pk}/reveal/", courier_url(COURIER),
                    vehicle_url(PLATE)):
            assert client.get(url).status_code == 404, (kind, url)
        assert client.post(f"{PARCELS}{journey.parcel.pk}/reveal/", {"reason": "Polizeiliche Anfrage"}).status_code == 404
    assert as_user("regulator").get(page_url(journey.parcel)).status_code == 200
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


def test_api_roles_cannot_open_the_pages(journey, as_user):
    for kind in ("outlet_staff", "screener"):
        response = as_user(kind).get(page_url(journey.parcel))
        assert response.status_code == 302 and "/admin/login/" in response["Location"], kind


def test_an_altered_chain_shows_the_red_verdict(journey, as_user):
    loaded = CheckpointEvent.objects.get(parcel=journey.parcel, type="LOADED")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(CheckpointEvent._meta.db_table)} SET actor = %s "
                       "WHERE id = %s", ["device:SCN-EVIL", loaded.pk])

    page = as_user("supervisor").get(page_url(journey.parcel)).content.decode()

    verdict = html_lib.unescape(section(page, "integrity"))
    assert f"Chain altered at link {loaded.seq}: link {loaded.seq} was altered" in verdict
    assert "gs-bad" in verdict and "Chain intact" not in page
    altered = re.findall(r'<tr class="gs-event gs-altered" data-type="([A-Z_]+)"', page)
    assert altered == ["LOADED"]


def test_page_queries_do_not_grow_with_the_chain(world, client_for, as_user):
    short = run_journey(world, client_for, waybill_no="ZTO0000000001", late=None)
    long = run_journey(world, client_for, waybill_no="ZTO0000000002", late=None)
    vehicle = long.parcel.events.filter(vehicle__isnull=False).first().vehicle
    base = timezone.now()
    links = [LinkSpec(type=kind, occurred_at=base + datetime.timedelta(seconds=i), facility=world.zto_hub,
                      vehicle=vehicle if kind in ("LOADED", "UNLOADED") else None,
                      courier=world.zto_courier if kind == "HANDOVER" else None, device=world.zto_device,
                      actor="device:SCN-ZTO-1")
             for i, kind in enumerate(["ARRIVED", "LOADED", "UNLOADED", "HANDOVER"] * 50)]
    with transaction.atomic():
        chain_append(parcel=Parcel.objects.get(pk=long.parcel.pk), links=links)
    client = as_user("supervisor")

    counts = []
    for parcel in (short.parcel, long.parcel):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url(parcel))
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(chain_rows(response.content.decode())) == Parcel.objects.get(pk=long.parcel.pk).chain_length > 200
    assert counts[0] == counts[1] <= 15, counts


def test_reveal_asks_for_a_reason_then_shows_the_data_once_audited(journey, as_user):
    client = as_user("supervisor")
    url = f"{PARCELS}{journey.parcel.pk}/reveal/"

    form = client.get(url)
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert_no_plaintext(form.content.decode())

    for reason in ("", "   ", "why"):
        refused = client.post(url, {"reason": reason})
        assert refused.status_code == 200 and "errorlist" in refused.content.decode(), reason
        assert_no_plaintext(refused.content.decode())
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()

    response = client.post(url, {"reason": "公安机关协查 case 2026-118", "case_reference": "SH-2026-118"})
    assert response.status_code == 200
    page = response.content.decode()
    for value in ("张三", SENDER_ID, "+8613800138000", "上海市浦东新区世纪大道1号", "李四", "+8613900139000",
                  "南京市玄武区中山路1号"):
        assert value in page, value
    assert "no-store" in response["Cache-Control"] and response["Pragma"] == "no-cache"
    entry = AuditEntry.objects.get(action="pii.reveal")
    assert entry.actor == "zto_supervisor" and entry.reason == "公安机关协查 case 2026-118"
    assert entry.target_repr == journey.parcel.waybill_no and entry.data["case_reference"] == "SH-2026-118"
    assert_no_plaintext(str(entry.data) + entry.target_repr + entry.target_id)

    # nothing of it is kept: not in the session, not in messages, and the parcel page is masked again
    session = client.session
    assert_no_plaintext(str(dict(session.items())))
    assert_no_plaintext(client.get(page_url(journey.parcel)).content.decode())


def test_superuser_and_regulator_may_reveal(journey, as_user):
    url = f"{PARCELS}{journey.parcel.pk}/reveal/"
    for kind in ("superuser", "regulator"):
        response = as_user(kind).post(url, {"reason": "Regulatory inspection 2026-11"})
        assert response.status_code == 200 and SENDER_ID in response.content.decode(), kind
    assert AuditEntry.objects.filter(action="pii.reveal").count() == 2


@pytest.fixture
def two_senders(journey, world, client_for):
    """张三 sent ZTO0000000001 (the journey) and ZTO0000000002; 钱多多 sent YTO1000000001 at YTO."""
    accept(client_for("outlet_staff"), waybill_no="ZTO0000000002")
    accept(client_for("other_outlet_staff"), waybill_no="YTO1000000001", sender=YTO_SENDER)
    return journey


def test_changelist_offers_the_search_form_posted_not_in_the_url(two_senders, as_user):
    page = as_user("supervisor").get(PARCELS).content.decode()
    form = re.search(r'<details id="find-sender">.*?</details>', page, re.S).group(0)
    assert f'method="post" action="{FIND_SENDER}"' in form
    assert 'name="id_type"' in form and 'name="id_number"' in form and 'name="phone"' in form
    assert 'name="reason"' in form and "csrfmiddlewaretoken" in form


@pytest.mark.parametrize("query", [
    {"id_type": "RESIDENT_ID", "id_number": SENDER_ID.lower()},
    {"id_type": "RESIDENT_ID", "id_number": " ".join([SENDER_ID[:6], SENDER_ID[6:14], SENDER_ID[14:]])},
    {"phone": "138 0013 8000"},
    {"phone": "+86 13800138000"},
])
def test_search_by_id_number_or_phone_leads_to_the_senders_parcels(two_senders, as_user, query):
    client = as_user("supervisor")
    response = client.post(FIND_SENDER, {**query, "reason": "投诉核查 complaint 118"})

    assert response.status_code == 302
    location = response["Location"]
    sender = two_senders.parcel.sender
    assert location == f"{PARCELS}?sender={sender.pk}"
    typed = [value for key, value in query.items() if key != "id_type"]
    assert_no_plaintext(location, *typed)
    listed = client.get(location)
    assert listed.status_code == 200
    assert {p.waybill_no for p in listed.context["cl"].result_list} == {"ZTO0000000001", "ZTO0000000002"}
    filters = listed.content.decode()
    assert sender.masked["name"] in filters and sender.masked["id_number"] in filters
    assert_no_plaintext(filters)

    entry = AuditEntry.objects.get(action="sender.search")
    assert entry.actor == "zto_supervisor" and entry.reason == "投诉核查 complaint 118"
    assert entry.data["matches"] == 1
    assert_no_plaintext(str(entry.data) + entry.target_repr, *typed)


def test_search_needs_a_reason_and_a_valid_number_and_never_echoes_it(two_senders, as_user):
    client = as_user("supervisor")
    for data in ({"id_type": "RESIDENT_ID", "id_number": SENDER_ID},  # no reason
                 {"id_type": "RESIDENT_ID", "id_number": SENDER_ID[:-1] + "0", "reason": "complaint 118"},  # bad check digit
                 {"id_number": SENDER_ID, "reason": "complaint 118"},  # no document type
                 {"phone": "12345", "reason": "complaint 118"},
                 {"reason": "complaint 118"},
                 {"id_type": "RESIDENT_ID", "id_number": SENDER_ID, "phone": "13800138000", "reason": "complaint 118"}):
        response = client.post(FIND_SENDER, data)
        assert response.status_code == 200, data
        page = response.content.decode()
        assert "errorlist" in page or "errornote" in page, data
        assert_no_plaintext(page, SENDER_ID[:-1] + "0")
        assert "no-store" in response["Cache-Control"]
    assert not AuditEntry.objects.filter(action="sender.search").exists()


def test_search_without_a_match_in_scope_is_audited_and_says_so(two_senders, as_user):
    client = as_user("supervisor")
    response = client.post(FIND_SENDER, {"id_type": "RESIDENT_ID", "id_number": YTO_SENDER["id_number"],
                                         "reason": "complaint 118"})  # YTO's sender: not in ZTO's scope
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="no-match"' in page
    assert_no_plaintext(page, YTO_SENDER["id_number"])
    assert AuditEntry.objects.get(action="sender.search").data["matches"] == 0
    # the YTO supervisor finds their own sender
    yto = as_user("other_supervisor").post(FIND_SENDER, {"id_type": "RESIDENT_ID",
                                                         "id_number": YTO_SENDER["id_number"], "reason": "complaint 7"})
    assert yto.status_code == 302 and YTO_SENDER["id_number"] not in yto["Location"]


def test_a_phone_shared_by_two_senders_lists_both_masked(two_senders, client_for, as_user):
    relative = {"kind": "PERSON", "name": "张小三", "id_type": "RESIDENT_ID",
                "id_number": make_resident_id("310115", datetime.date(1990, 5, 6), 77), "phone": "13800138000",
                "address": "上海市浦东新区世纪大道1号"}
    accept(client_for("outlet_staff"), waybill_no="ZTO0000000003", sender=relative)
    response = as_user("supervisor").post(FIND_SENDER, {"phone": "13800138000", "reason": "complaint 118"})

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    senders = {p.sender for p in Parcel.objects.filter(waybill_no__in=["ZTO0000000001", "ZTO0000000003"])}
    assert len(senders) == 2
    for sender in senders:
        assert f'href="{PARCELS}?sender={sender.pk}"' in page and sender.masked["id_number"] in page
    assert_no_plaintext(page, "张小三", relative["id_number"])
    assert AuditEntry.objects.get(action="sender.search").data["matches"] == 2


def test_api_roles_cannot_search(two_senders, as_user):
    for kind in ("outlet_staff", "screener"):
        response = as_user(kind).post(FIND_SENDER, {"phone": "13800138000", "reason": "complaint 118"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AuditEntry.objects.filter(action="sender.search").exists()


def test_sender_filter_is_scoped(two_senders, as_user):
    sender = two_senders.parcel.sender
    yto_sender = Parcel.objects.get(waybill_no="YTO1000000001").sender
    client = as_user("supervisor")
    assert not client.get(PARCELS, {"sender": yto_sender.pk}).context["cl"].result_list
    assert not client.get(PARCELS, {"sender": "not-a-uuid"}).context["cl"].result_list
    assert yto_sender.masked["name"] not in client.get(PARCELS, {"sender": yto_sender.pk}).content.decode()
    assert len(client.get(PARCELS, {"sender": sender.pk}).context["cl"].result_list) == 2


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


def test_changelist_filters_and_search(world, client_for, as_user):
    flagged = run_journey(world, client_for, screening=None, waybill_no="ZTO0000000009", late=None)
    accept(client_for("outlet_staff"), waybill_no="ZTO0000000002")
    accept(client_for("other_outlet_staff"), waybill_no="YTO1000000001", sender=YTO_SENDER)
    client = as_user("supervisor")

    def waybills(**params):
        response = client.get(PARCELS, params)
        assert response.status_code == 200, params
        return {p.waybill_no for p in response.context["cl"].result_list}

    assert waybills() == {"ZTO0000000009", "ZTO0000000002"}
    assert waybills(open_alerts="yes") == {flagged.waybill_no}
    assert waybills(open_alerts="no") == {"ZTO0000000002"}
    assert waybills(q=" zto0000000002 ") == {"ZTO0000000002"}
    assert waybills(status__exact="ACCEPTED") == {"ZTO0000000002"}
    assert waybills(screening_status__exact="PENDING") == {"ZTO0000000009", "ZTO0000000002"}
    assert waybills(outlet__id__exact=world.zto_outlet.pk) == {"ZTO0000000009", "ZTO0000000002"}
    today = timezone.localtime(flagged.parcel.accepted_at).date()
    assert waybills(accepted_at__year=today.year, accepted_at__month=today.month,
                    accepted_at__day=today.day) == {"ZTO0000000009", "ZTO0000000002"}
    assert as_user("superuser").get(PARCELS, {"organization__id__exact": world.yto.pk}).context[
        "cl"].result_list[0].waybill_no == "YTO1000000001"

    page = client.get(PARCELS).content.decode()
    assert shown("unresolved") in page and "Has unresolved alerts" in page and "Not screened yet" in page
    assert world.yto.name not in page and world.yto_outlet.code not in page
    sidebar = as_user("regulator").get(PARCELS).content.decode()
    assert world.yto.name not in sidebar
    assert_no_plaintext(page)


def test_courier_reverse_trace_lists_the_parcel_with_role_and_time(journey, world, as_user):
    client = as_user("supervisor")
    response = client.get(courier_url(COURIER))
    assert response.status_code == 200
    page = response.content.decode()
    activity = section(page, "activity")
    assert journey.waybill_no in activity and f'href="{page_url(journey.parcel)}"' in activity
    for role in ("accepted", "carried", "delivered"):
        assert f"<strong>{role}</strong>" in activity, role
    assert timezone.localtime(journey.times["DELIVERED"]).strftime("%Y-%m-%d %H:%M:%S") in activity
    assert world.zto_courier.name not in page  # staff names are personal data too

    later = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    assert journey.waybill_no not in section(client.get(courier_url(COURIER), {"since": later}).content.decode(),
                                             "activity")
    accepted_on = timezone.localtime(journey.parcel.accepted_at).date().isoformat()
    window = client.get(courier_url(COURIER), {"since": accepted_on, "until": accepted_on}).content.decode()
    assert journey.waybill_no in section(window, "activity")
    assert client.get(courier_url("E9999")).status_code == 404
    assert client.get(courier_url(world.yto_courier.employee_no)).status_code == 404


def test_vehicle_reverse_trace_lists_the_parcel_and_what_was_aboard(journey, as_user):
    client = as_user("supervisor")
    response = client.get(vehicle_url(PLATE))
    assert response.status_code == 200
    loadings = section(response.content.decode(), "loadings")
    assert journey.waybill_no in loadings and "SH-HUB-01" in loadings and "SH-ST-01" in loadings
    assert timezone.localtime(journey.times["LOADED"]).strftime("%Y-%m-%d %H:%M:%S") in loadings

    def aboard(moment):
        page = client.get(vehicle_url(PLATE), {"at": timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")})
        assert page.status_code == 200
        return journey.waybill_no in section(page.content.decode(), "loadings")

    assert aboard(journey.times["DEPARTED"])
    assert not aboard(journey.times["DELIVERED"])
    assert client.get(vehicle_url("沪Z99999")).status_code == 404


def test_the_page_links_every_reverse_trace_it_names(journey, as_user):
    page = as_user("supervisor").get(page_url(journey.parcel)).content.decode()
    client = as_user("supervisor")
    links = set(re.findall(r'href="(/admin/parcels/parcel/(?:courier|vehicle)/[^"]+)"', page))
    assert courier_url(COURIER) in links and vehicle_url(PLATE) in links
    for link in links:
        assert client.get(html_lib.unescape(link)).status_code == 200, link


@pytest.mark.parametrize("kind", ["superuser", "supervisor", "regulator"])
def test_parcels_cannot_be_added_changed_or_deleted(journey, as_user, kind):
    client = as_user(kind)
    parcel = journey.parcel
    assert client.get(f"{PARCELS}add/").status_code == 403
    assert client.post(f"{PARCELS}add/", {"waybill_no": "ZTO5555555555"}).status_code == 403
    assert client.post(page_url(parcel), {"waybill_no": "ZTO5555555555", "status": "SEIZED"}).status_code == 403
    assert client.get(f"{PARCELS}{parcel.pk}/delete/").status_code == 403
    assert client.post(f"{PARCELS}{parcel.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = client.get(PARCELS).content.decode()
    assert "delete_selected" not in listing and 'name="_selected_action"' not in listing
    stored = Parcel.objects.get(pk=parcel.pk)
    assert (stored.waybill_no, stored.status, stored.chain_head) == (parcel.waybill_no, parcel.status,
                                                                     parcel.chain_head)


def test_the_page_says_where_the_chain_is_in_the_transparency_log(journey, as_user):
    from apps.transparency.services import log_integrate

    page = as_user("supervisor").get(page_url(journey.parcel)).content.decode()
    assert "Not yet in the transparency log" in html_lib.unescape(section(page, "log-inclusion"))
    checkpoint = log_integrate().checkpoint
    page = as_user("supervisor").get(page_url(journey.parcel)).content.decode()
    line = html_lib.unescape(section(page, "log-inclusion"))
    assert "Included in the log at index " in line and f"of {checkpoint.size}, checkpoint signed" in line


def test_a_control_record_changed_under_the_chain_shows_the_red_verdict_naming_it(journey, as_user):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE parcels_inspection SET result = 'PASS', sender_present = %s WHERE acceptance_id = %s",
                       [False, models.UUIDField().get_db_prep_value(journey.parcel.acceptance_id, connection)])
    verdict = html_lib.unescape(section(as_user("supervisor").get(page_url(journey.parcel)).content.decode(),
                                        "integrity"))
    assert "Records disagree with the chain: inspection.sender_present" in verdict and "gs-bad" in verdict
