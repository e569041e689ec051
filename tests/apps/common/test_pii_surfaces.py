"""Where personal data could leak besides the database columns: which models hold it (so the dump tests must
be extended when one is added), and the logs written while it is handled."""
from __future__ import annotations

import logging

import pytest

from apps.common.rotation import encrypted_models
from tests.helpers import SENDER_ID, acceptance_body, acceptance_post, events_post, scan

# Every model with encrypted personal data, and the dump test that proves it never reaches the database in clear.
DUMP_TESTED = {
    "organizations.Staff": "tests/apps/organizations/test_pii_dump.py",
    "senders.Sender": "tests/apps/parcels/test_pii_dump.py",
    "parcels.AcceptanceRecord": "tests/apps/parcels/test_pii_dump.py",
    "senders.BlacklistEntry": "tests/apps/parcels/test_pii_dump.py",
    "parcels.LinkPersonalData": "tests/apps/parcels/test_pii_dump.py",  # last-mile locations
    "epcis.Subscription": "tests/apps/epcis/test_secret_dump.py",  # a webhook secret, not personal data
}


def test_every_model_with_personal_data_is_covered_by_a_dump_test():
    assert {entry.label for entry in encrypted_models()} == set(DUMP_TESTED)


@pytest.mark.django_db
def test_logs_hold_no_personal_data(world, client_for, caplog):
    body = acceptance_body()
    plaintexts = [SENDER_ID, body["sender"]["name"], body["sender"]["phone"], body["sender"]["address"],
                  body["recipient"]["name"], body["recipient"]["phone"], body["recipient"]["address"]]
    with caplog.at_level(logging.DEBUG):
        acceptance_post(client_for("outlet_staff"), body)
        bad = acceptance_body(sender={**body["sender"], "id_number": SENDER_ID[:-1] + "0"})
        acceptance_post(client_for("outlet_staff"), bad)
        client_for("supervisor").post("/api/v1/senders/search/", {"phone": body["sender"]["phone"],
                                                                  "reason": "log check"}, format="json")
        waybill = acceptance_post(client_for("outlet_staff"), acceptance_body()).json()["waybill_no"]
        door = {"lat": 29.876543, "lon": 118.765432}
        events_post(client_for("device"), [scan(waybill, "DELIVERED", location=door,
                                                detail={"received_by": "RECIPIENT"}),
                                           scan(waybill, "DELIVERED", location=door, detail={"note": "x"})])
        plaintexts += ["29.876543", "118.765432"]
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the requests should have logged something (at least the 400)"
    for value in plaintexts:
        assert value not in logged


def test_the_admin_guard_flags_an_encrypted_field_shown_by_name(monkeypatch):
    """A display method named like an encrypted model field loses to the field, which decrypts: the system
    check refuses such an admin (it caught exactly that while the sender snapshot was added)."""
    from django.contrib import admin

    from apps.common.checks import no_encrypted_field_in_admin
    from apps.organizations.models import Staff

    class Careless(admin.ModelAdmin):
        list_display = ("employee_no", "name")

    assert no_encrypted_field_in_admin(None) == []
    monkeypatch.setattr(admin.site, "_registry", {Staff: Careless(Staff, admin.site)})
    assert [e.id for e in no_encrypted_field_in_admin(None)] == ["greenshield.E001"]
