"""GET/POST /api/v1/blacklist/ and POST /api/v1/blacklist/{id}/revoke/ [R15].

Regulators keep region-wide entries (one province's entry binds all three), supervisors their company's;
who sees which entries; bad input; expiry and revocation give the sender back; audit entries; and entries
that hold no plaintext identity number.
"""
from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.senders.models import BlacklistEntry
from tests.helpers import BLACKLIST, OTHER_ID, SENDER_ID, acceptance_body, acceptance_post, assert_error, blacklist_post

pytestmark = pytest.mark.django_db


def staff_entry(client, employee_no: str, **fields):
    return blacklist_post(client, subject="STAFF", employee_no=employee_no, id_type=None, id_number=None, **fields)


def revoke(client, entry_id: str, reason: str | None = "误报，已核实"):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"{BLACKLIST}{entry_id}/revoke/", body, format="json")


def raw_id_numbers() -> list[str | None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {BlacklistEntry._meta.db_table}")
        return [row[0] for row in cursor.fetchall()]


def outcome(client, **sender) -> str:
    response = acceptance_post(client, acceptance_body(sender=sender) if sender else None)
    assert response.status_code == 201, response.content
    return response.json()["refusal_reason"] or response.json()["outcome"]


# --- creating entries ------------------------------------------------------------------------------------


def test_regulator_blacklists_a_sender_region_wide(world, client_for):
    response = blacklist_post(client_for("regulator"), id_number=SENDER_ID.lower())

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["subject"], data["id_type"], data["scope"]) == ("SENDER", "RESIDENT_ID", "REGION")
    assert (data["province"], data["organization"], data["created_by"]) == ("310000", None, "sh_regulator")
    assert data["id_number"] == "110***********002X" and data["employee_no"] is None
    assert data["valid_until"] is None and data["revoked_at"] is None
    assert SENDER_ID not in response.content.decode()
    entry = BlacklistEntry.objects.get(pk=data["id"])
    assert entry.id_number == SENDER_ID  # canonical form, whatever was typed

    [stored] = raw_id_numbers()
    assert stored.startswith("gs2$") and SENDER_ID not in stored and SENDER_ID.lower() not in stored
    audit = AuditEntry.objects.get(action="blacklist.create", target_id=data["id"])
    assert audit.reason == "多次寄递违禁品" and audit.data == {"subject": "SENDER", "scope": "region"}
    assert SENDER_ID not in audit.target_repr


def test_supervisor_blacklists_own_staff_for_the_company(world, client_for):
    response = staff_entry(client_for("supervisor"), "E1001")

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["subject"], data["employee_no"], data["scope"]) == ("STAFF", "E1001", "COMPANY")
    assert (data["organization"], data["province"]) == ("ZTO", "")
    assert data["id_number"] == ""  # an entry naming the employee holds no document of its own
    assert AuditEntry.objects.filter(action="blacklist.create", target_id=data["id"]).exists()
    assert raw_id_numbers() == [None]


def test_supervisor_blacklists_a_sender_for_the_company(world, client_for):
    response = blacklist_post(client_for("supervisor"))

    assert response.status_code == 201 and response.json()["scope"] == "COMPANY"
    [stored] = raw_id_numbers()
    assert stored.startswith("gs2$")


@pytest.mark.parametrize(("kind", "employee_no"), [("supervisor", "E2001"), ("other_supervisor", "E1001"),
                                                   ("supervisor", "E9999")])
def test_supervisor_cannot_name_another_companys_employee(world, client_for, kind, employee_no):
    assert_error(staff_entry(client_for(kind), employee_no), 400, "unknown_staff", "employee_no")
    assert not BlacklistEntry.objects.exists()


@pytest.mark.parametrize(("kind", "status"), [("outlet_staff", 403), ("other_outlet_staff", 403),
                                              ("screener", 403), ("device", 403), ("anonymous", 401)])
def test_others_cannot_keep_the_blacklist(world, client_for, kind, status):
    client = client_for(kind)

    assert blacklist_post(client).status_code == status
    assert client.get(BLACKLIST).status_code == status
    assert not BlacklistEntry.objects.exists()


BAD_INPUT = {
    "bad-id-number": ({"id_number": SENDER_ID[:17] + "0"}, "invalid_id_number", "id_number"),
    "bad-passport": ({"id_type": "PASSPORT", "id_number": "E1"}, "invalid_id_number", "id_number"),
    "missing-reason": ({"reason": None}, "required", "reason"),
    "missing-id-number": ({"id_number": None}, "required", "id_number"),
    "missing-id-type": ({"id_type": None}, "required", "id_type"),
    "bad-subject": ({"subject": "VEHICLE"}, "invalid_choice", "subject"),
    "bad-id-type": ({"id_type": "DRIVER_LICENSE"}, "invalid_choice", "id_type"),
    "sender-by-employee-no": ({"employee_no": "E1001"}, "invalid", "employee_no"),
    "valid-until-in-the-past": ({"valid_until": "2020-01-01T00:00:00+08:00"}, "invalid", "valid_until"),
}


@pytest.mark.parametrize(("changes", "code", "attr"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_is_rejected(world, client_for, changes, code, attr):
    response = blacklist_post(client_for("regulator"), **changes)

    assert_error(response, 400, code, attr)
    assert not BlacklistEntry.objects.exists()
    assert not AuditEntry.objects.filter(action="blacklist.create").exists()
    assert SENDER_ID[:17] not in response.content.decode()


def test_superuser_without_a_role_is_not_an_issuer(world, client_for):
    response = blacklist_post(client_for("superuser"))

    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "issuer_required"
    assert not BlacklistEntry.objects.exists()


# --- who sees which entries --------------------------------------------------------------------------------


@pytest.fixture
def entries(world, client_for):
    """One entry of each issuer: the two provinces' regulators and the two companies' supervisors."""
    return {kind: blacklist_post(client_for(kind), reason=f"entry of {kind}").json()["id"]
            for kind in ("regulator", "other_regulator", "supervisor", "other_supervisor")}


@pytest.mark.parametrize(("kind", "visible"), [
    ("supervisor", {"regulator", "other_regulator", "supervisor"}),
    ("other_supervisor", {"regulator", "other_regulator", "other_supervisor"}),
    ("regulator", {"regulator", "other_regulator", "supervisor"}),
    ("other_regulator", {"regulator", "other_regulator", "other_supervisor"}),
])
def test_list_is_scoped(world, client_for, entries, kind, visible):
    response = client_for(kind).get(BLACKLIST)

    assert response.status_code == 200
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {row["id"] for row in rows} == {entries[k] for k in visible}
    assert SENDER_ID not in response.content.decode()


def test_list_filters_entries_in_force(world, client_for, entries):
    client = client_for("regulator")
    revoke(client, entries["regulator"])

    def ids(query):
        data = client.get(BLACKLIST + query).json()
        return {row["id"] for row in (data["results"] if isinstance(data, dict) else data)}

    assert ids("?active=true") == {entries["other_regulator"], entries["supervisor"]}
    assert ids("?active=false") == {entries["regulator"]}


# --- the entries at work -----------------------------------------------------------------------------------


def test_company_entry_binds_only_that_company(world, client_for):
    blacklist_post(client_for("other_supervisor"))

    assert outcome(client_for("other_outlet_staff")) == "sender_blacklisted"
    assert outcome(client_for("outlet_staff")) == "ACCEPTED"


def test_entry_binds_only_the_document_it_names(world, client_for):
    blacklist_post(client_for("regulator"))

    assert outcome(client_for("outlet_staff"), id_number=OTHER_ID) == "ACCEPTED"
    assert outcome(client_for("outlet_staff"), id_type="OTHER") == "ACCEPTED"


def test_entry_with_future_expiry_binds_until_it_expires(world, client_for):
    valid_until = timezone.now() + datetime.timedelta(days=30)
    response = blacklist_post(client_for("regulator"), valid_until=valid_until.isoformat())
    assert response.status_code == 201 and response.json()["valid_until"]
    client = client_for("outlet_staff")
    assert outcome(client) == "sender_blacklisted"

    # Time passes: the entry lapses by itself.
    BlacklistEntry.objects.update(valid_until=timezone.now() - datetime.timedelta(seconds=1))

    assert outcome(client) == "ACCEPTED"


def test_expired_staff_entry_no_longer_bars_the_staff_member(world, client_for):
    staff_entry(client_for("supervisor"), "E1001",
                valid_until=(timezone.now() + datetime.timedelta(days=1)).isoformat())
    assert_error(acceptance_post(client_for("outlet_staff")), 403, "staff_blacklisted")

    BlacklistEntry.objects.update(valid_until=timezone.now() - datetime.timedelta(seconds=1))

    assert acceptance_post(client_for("outlet_staff")).status_code == 201


@pytest.mark.parametrize("issuer", ["regulator", "supervisor"])
def test_issuer_revokes_and_the_sender_is_accepted_again(world, client_for, issuer):
    client = client_for(issuer)
    entry_id = blacklist_post(client).json()["id"]
    assert outcome(client_for("outlet_staff")) == "sender_blacklisted"

    response = revoke(client, entry_id)

    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"] and response.json()["id"] == entry_id
    assert BlacklistEntry.objects.get(pk=entry_id).revoked_at is not None
    audit = AuditEntry.objects.get(action="blacklist.revoke", target_id=entry_id)
    assert (audit.reason, audit.actor) == ("误报，已核实", world.users[issuer].username)
    assert outcome(client_for("outlet_staff")) == "ACCEPTED"


def test_revoked_staff_entry_lets_the_staff_member_accept_again(world, client_for):
    entry_id = staff_entry(client_for("supervisor"), "E1001").json()["id"]
    assert_error(acceptance_post(client_for("outlet_staff")), 403, "staff_blacklisted")

    assert revoke(client_for("supervisor"), entry_id).status_code == 200

    assert acceptance_post(client_for("outlet_staff")).status_code == 201


def test_revoke_needs_a_reason(world, client_for):
    entry_id = blacklist_post(client_for("regulator")).json()["id"]

    assert_error(revoke(client_for("regulator"), entry_id, reason=None), 400, "required", "reason")
    assert BlacklistEntry.objects.get(pk=entry_id).revoked_at is None
    assert not AuditEntry.objects.filter(action="blacklist.revoke").exists()


@pytest.mark.parametrize(("issuer", "kind", "status"), [
    ("supervisor", "other_supervisor", 404),   # another company's entry: out of scope
    ("regulator", "supervisor", 404),          # a region-wide entry is not the company's to lift
    ("other_supervisor", "regulator", 404),    # a Jiangsu company's entry is outside a Shanghai regulator's scope
    ("supervisor", "outlet_staff", 403),
    ("supervisor", "device", 403),
    ("supervisor", "anonymous", 401),
])
def test_others_cannot_revoke(world, client_for, issuer, kind, status):
    entry_id = blacklist_post(client_for(issuer)).json()["id"]

    assert revoke(client_for(kind), entry_id).status_code == status
    assert BlacklistEntry.objects.get(pk=entry_id).revoked_at is None


def test_revoking_an_unknown_entry_is_404(world, client_for):
    assert revoke(client_for("regulator"), "00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_regulator_revokes_only_their_own_provinces_entries(world, client_for):
    entry_id = blacklist_post(client_for("regulator")).json()["id"]

    assert revoke(client_for("other_regulator"), entry_id).status_code == 404  # Jiangsu cannot lift Shanghai's
    assert BlacklistEntry.objects.get(pk=entry_id).revoked_at is None
    assert revoke(client_for("regulator"), entry_id).status_code == 200


def test_revoking_twice_is_a_conflict_and_writes_nothing_more(world, client_for):
    entry_id = blacklist_post(client_for("regulator")).json()["id"]
    first = revoke(client_for("regulator"), entry_id)
    revoked_at = BlacklistEntry.objects.get(pk=entry_id).revoked_at

    second = revoke(client_for("regulator"), entry_id)

    assert first.status_code == 200
    assert_error(second, 409, "already_revoked")
    assert BlacklistEntry.objects.get(pk=entry_id).revoked_at == revoked_at
    assert AuditEntry.objects.filter(action="blacklist.revoke", target_id=entry_id).count() == 1
