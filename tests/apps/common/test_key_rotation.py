"""Key rotation on a populated PostgreSQL database while acceptances keep arriving: afterwards the old key is
removed and every value still decrypts and every blind-index search still finds its rows."""
from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.common.fields import Ciphertext, blind_index_filter
from apps.common.rotation import encrypted_models
from apps.organizations.models import Staff
from apps.senders.models import Sender
from greenshield import crypto
from greenshield.identity import identity_index_value, make_resident_id
from tests.helpers import acceptance_body, acceptance_post, token_client

pytestmark = pytest.mark.django_db(transaction=True)


def person(n: int) -> dict:
    import datetime

    return {"kind": "PERSON", "name": f"测试{n}", "id_type": "RESIDENT_ID",
            "id_number": make_resident_id("320102", datetime.date(1980, 1, 1) + datetime.timedelta(days=n), n % 1000),
            "phone": f"1390000{n:04d}", "address": f"南京市测试路{n}号"}


def post_acceptance(client, n: int):
    response = acceptance_post(client, acceptance_body(sender=person(n)))
    assert response.status_code == 201, response.content


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def key_ids_in_database() -> set[str]:
    ids = set()
    with connection.cursor() as cursor:
        for entry in encrypted_models():
            for f in entry.fields:
                cursor.execute(f'SELECT DISTINCT split_part({f.column}, \'$\', 2) FROM "{entry.model._meta.db_table}" '
                               f"WHERE {f.column} IS NOT NULL")
                ids |= {row[0] for row in cursor.fetchall()}
    return ids


def test_rotation_while_writing_then_old_key_removed(world, require_postgres, settings):
    old_ring = crypto.current_keyring().serialize()
    outlet = token_client(world.users["outlet_staff"])
    for n in range(40):
        post_acceptance(outlet, n)

    new_entry = crypto.generate_key_entry("k2026")
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def keep_writing():
        client = token_client(world.users["outlet_staff"])
        n = 1000
        try:
            while not stop.is_set():
                post_acceptance(client, n if n % 3 else n % 40)  # new senders, and returning ones updated
                written.append(n)
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        settings.GREENSHIELD_KEYS = f"{new_entry},{old_ring}"  # new key first: primary
        first_pass = run("rotate_keys", "--batch-size", "7", "--no-progress")
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not errors, errors
    assert written, "the writer must have written during the rotation"
    assert "rows re-encrypted" in first_pass
    run("rotate_keys", "--batch-size", "50", "--verify", "--no-progress")  # catch what arrived mid-rotation
    assert key_ids_in_database() == {"k2026"}

    settings.GREENSHIELD_KEYS = new_entry  # retire the old key
    report = run("rotate_keys", "--verify-only", "--no-progress")
    assert "Every value decrypts." in report and "k2026" in report

    for sender in Sender.objects.all():
        assert sender.name and sender.id_number and sender.phone  # decrypts under the new ring
        found_by_id = Sender.objects.filter(
            blind_index_filter(Sender, "id_number_index", identity_index_value(sender.id_type, sender.id_number)))
        assert sender.pk in {s.pk for s in found_by_id}
        assert Sender.objects.filter(blind_index_filter(Sender, "phone_index", sender.phone), pk=sender.pk).exists()
    for staff in Staff.objects.all():
        assert Staff.objects.filter(blind_index_filter(Staff, "phone_index", staff.phone), pk=staff.pk).exists()

    supervisor = token_client(world.users["supervisor"])
    target = person(5)
    search = supervisor.post("/api/v1/senders/search/", {"id_type": "RESIDENT_ID", "id_number": target["id_number"],
                                                         "reason": "rotation check"}, format="json")
    assert search.status_code == 200 and len(search.json()["results"]) == 1
    search = supervisor.post("/api/v1/senders/search/", {"phone": target["phone"], "reason": "rotation check"},
                             format="json")
    assert search.status_code == 200 and len(search.json()["results"]) == 1


def test_verify_reports_values_under_a_missing_key(world, require_postgres, settings):
    outlet = token_client(world.users["outlet_staff"])
    post_acceptance(outlet, 1)
    settings.GREENSHIELD_KEYS = crypto.generate_key_entry("other")  # the key that wrote the data is gone
    with pytest.raises(CommandError) as failure:
        run("rotate_keys", "--verify-only", "--no-progress")
    assert failure.value.returncode == 1


def test_stale_instance_saved_after_rotation_then_old_key_removed(world, require_postgres, settings):
    """The lost update of issue 12: a request loads a row, ``rotate_keys`` rewrites it, the request saves."""
    from apps.parcels.models import AcceptanceRecord

    old_ring = crypto.current_keyring().serialize()
    outlet = token_client(world.users["outlet_staff"])
    for n in range(3):
        post_acceptance(outlet, n)
    target = person(1)
    stale_sender = next(s for s in Sender.objects.all() if s.name == target["name"])  # read under the old key
    stale_record = AcceptanceRecord.objects.filter(given_sender_name__isnull=False).order_by("pk").first()
    stale_staff = Staff.objects.order_by("pk").first()
    assert stale_sender.name == target["name"]  # decrypted and cached on the instance

    new_entry = crypto.generate_key_entry("k2026")
    settings.GREENSHIELD_KEYS = f"{new_entry},{old_ring}"  # the service restarted with the new key first
    run("rotate_keys", "--no-progress")
    assert key_ids_in_database() == {"k2026"}

    stale_sender.address = "南京市新地址路9号"  # one field assigned; name, id number and phone are not
    stale_sender.save()
    stale_record.save()
    stale_staff.save(update_fields=["phone", "phone_index"])
    assert key_ids_in_database() == {"k2026"}, "a stale save wrote the old key's ciphertext back"
    assert "Every value is under k2026." in run("rotate_keys", "--verify-only", "--no-progress")

    settings.GREENSHIELD_KEYS = new_entry  # retire the old key
    run("rotate_keys", "--verify-only", "--no-progress")
    fresh = Sender.objects.get(pk=stale_sender.pk)
    assert (fresh.name, fresh.id_number, fresh.phone, fresh.address) == (
        target["name"], target["id_number"], stale_sender.phone, "南京市新地址路9号")
    for record in AcceptanceRecord.objects.all():
        assert record.given_sender_name and record.given_sender_phone
    supervisor = token_client(world.users["supervisor"])
    for n in range(3):
        for body in ({"id_type": "RESIDENT_ID", "id_number": person(n)["id_number"]}, {"phone": person(n)["phone"]}):
            search = supervisor.post("/api/v1/senders/search/", {**body, "reason": "rotation check"}, format="json")
            assert search.status_code == 200 and len(search.json()["results"]) == 1, (n, body)
    assert Staff.objects.filter(blind_index_filter(Staff, "phone_index", stale_staff.phone), pk=stale_staff.pk).exists()


def test_verify_exits_1_while_any_value_is_under_an_old_key_and_counts_per_field(world, require_postgres, settings):
    from apps.parcels.models import AcceptanceRecord

    old_ring = crypto.current_keyring().serialize()
    old_id = crypto.current_keyring().primary_id
    outlet = token_client(world.users["outlet_staff"])
    for n in range(2):
        post_acceptance(outlet, n)
    settings.GREENSHIELD_KEYS = f"{crypto.generate_key_entry('k2026')},{old_ring}"
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("rotate_keys", "--verify-only", "--no-progress", stdout=out)
    assert failure.value.returncode == 1 and "not yet under k2026" in str(failure.value)
    assert f"senders.Sender.name: 2 value(s) under gs2${old_id}, not k2026" in out.getvalue()
    assert "parcels.AcceptanceRecord.given_sender_phone: 2 value(s)" in out.getvalue()

    record = AcceptanceRecord.objects.filter(given_sender_name__isnull=False).order_by("pk").first()
    legacy = crypto.encrypt_legacy(crypto.current_keyring(), "王五", purpose="parcels.acceptancerecord.given_sender_name",
                                   row_id=str(record.pk), key_id="k2026")
    AcceptanceRecord.objects.filter(pk=record.pk).update(given_sender_name=Ciphertext(legacy))  # an old-format value
    assert "Every value is under k2026." in run("rotate_keys", "--no-progress", "--verify")
    assert key_ids_in_database() == {"k2026"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_sender_name FROM parcels_acceptancerecord WHERE id = %s", [record.pk])
        assert cursor.fetchone()[0].startswith("gs2$k2026$")  # rotation rewrote the gs1 value as gs2
    assert AcceptanceRecord.objects.get(pk=record.pk).given_sender_name == "王五"
