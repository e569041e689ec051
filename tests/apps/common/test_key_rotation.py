"""Key rotation on a populated PostgreSQL database while acceptances keep arriving: afterwards the old key is
removed and every value still decrypts and every blind-index search still finds its rows."""
from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.common.fields import blind_index_filter
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
