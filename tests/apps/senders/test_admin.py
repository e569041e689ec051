"""The senders and blacklist admin: scoped like the API (out of scope is 404), identity documents only masked,
neither the plaintext nor the stored ciphertext on any page."""
from __future__ import annotations

import datetime

from greenshield.identity import make_resident_id
from tests.admin_helpers import (
    ACCEPTANCES,
    BLACKLIST,
    SENDERS,
    assert_no_ciphertext,
    change_url,
    listed,
    shown,
    waybills_listed,
)
from tests.factories import BlacklistEntryFactory
from tests.helpers import assert_no_plaintext


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
    region = BlacklistEntryFactory(actor=world.users["other_regulator"], reason="多次寄递违禁品", id_number=region_id)
    company = BlacklistEntryFactory(actor=world.users["other_supervisor"], reason="YTO 内部名单", id_number=yto_id)
    staff = BlacklistEntryFactory(actor=world.users["supervisor"], reason="违规收寄", staff=world.zto_courier)
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
