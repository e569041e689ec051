"""The acceptances-and-refusals admin: scoped like the API (out of scope is 404), personal data only masked, the
declared items, inspection and verification of each attempt, its filters, and a link to the parcel it made."""
from __future__ import annotations

import re

from django.utils import timezone

from greenshield.enums import FacilityKind, Role
from tests.admin_helpers import ACCEPTANCES, PARCELS, assert_no_ciphertext, change_url, shown, waybills_listed
from tests.factories import FacilityFactory, StaffFactory, UserFactory
from tests.helpers import accept, assert_no_plaintext, token_client


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
