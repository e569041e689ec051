"""Encrypted fields on a real model (Staff): only ciphertext reaches the database, and it is bound to its row."""
from __future__ import annotations

import pytest
from django.db import connection, transaction

from apps.common.fields import Ciphertext, EncryptedLookupError, PlaintextWriteError, blind_index_filter
from apps.organizations.models import Staff
from greenshield import crypto
from greenshield.identity import identity_index_value, make_resident_id
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ID_NUMBER = make_resident_id("310115", __import__("datetime").date(1970, 1, 1), 1)


def raw_column(staff, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM organizations_staff WHERE employee_no = %s", [staff.employee_no])
        return cursor.fetchone()[0]


def test_round_trip_and_only_ciphertext_stored():
    staff = StaffFactory(name="王小明", id_number=ID_NUMBER, phone="+8613800138000")
    stored = raw_column(staff, "id_number")
    assert stored.startswith("gs2$") and ID_NUMBER not in stored
    assert "王小明" not in raw_column(staff, "name")
    fresh = Staff.objects.get(pk=staff.pk)
    assert (fresh.name, fresh.id_number, fresh.phone) == ("王小明", ID_NUMBER, "+8613800138000")


def test_ciphertext_copied_to_another_row_does_not_decrypt():
    a = StaffFactory(name="王小明")
    b = StaffFactory(name="李小红")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE organizations_staff SET name = %s WHERE employee_no = %s",
                       [raw_column(a, "name"), b.employee_no])
    with pytest.raises(crypto.DecryptionError):
        Staff.objects.get(pk=b.pk).name


def test_ciphertext_copied_to_another_field_does_not_decrypt():
    a = StaffFactory(name="王小明")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE organizations_staff SET phone = name WHERE employee_no = %s", [a.employee_no])
    with pytest.raises(crypto.DecryptionError):
        Staff.objects.get(pk=a.pk).phone


def test_wrong_keyring_fails_loudly(settings):
    staff = StaffFactory(name="王小明")
    settings.GREENSHIELD_KEYS = crypto.generate_key_entry("dev1")  # same id, different key
    with pytest.raises(crypto.DecryptionError):
        Staff.objects.get(pk=staff.pk).name


@pytest.mark.parametrize("lookup", ["name", "name__icontains", "name__startswith", "id_number__in", "phone__gt"])
def test_lookups_on_encrypted_fields_raise(lookup):
    value = ["x"] if lookup.endswith("__in") else "王小明"
    with pytest.raises(EncryptedLookupError):
        list(Staff.objects.filter(**{lookup: value}))


def test_isnull_lookup_is_allowed():
    StaffFactory(phone=None)
    StaffFactory()
    assert Staff.objects.filter(phone__isnull=True).count() == 1


def test_bulk_update_cannot_write_plaintext():
    staff = StaffFactory(name="王小明")
    with pytest.raises(PlaintextWriteError), transaction.atomic():
        Staff.objects.filter(pk=staff.pk).update(name="plain text")
    staff.name = "plain text"
    with pytest.raises(PlaintextWriteError), transaction.atomic():
        Staff.objects.bulk_update([staff], ["name"])
    assert Staff.objects.get(pk=staff.pk).name == "王小明"


def test_blind_index_finds_the_row_and_only_candidates_are_compared():
    staff = StaffFactory(id_number=ID_NUMBER, phone="+8613800138000")
    StaffFactory()
    normalized = identity_index_value("RESIDENT_ID", ID_NUMBER.lower())
    found = Staff.objects.filter(blind_index_filter(Staff, "id_number_index", normalized))
    assert [s.pk for s in found] == [staff.pk]
    assert [s.pk for s in Staff.objects.filter(blind_index_filter(Staff, "phone_index", "+8613800138000"))] == [staff.pk]
    assert raw_column(staff, "id_number_index") == staff.id_number_index and len(staff.id_number_index) == 8


def test_changing_a_value_recomputes_its_blind_index():
    staff = StaffFactory(phone="+8613800138000")
    staff.phone = "+8613900139000"
    staff.save()
    assert not Staff.objects.filter(blind_index_filter(Staff, "phone_index", "+8613800138000")).exists()
    assert Staff.objects.filter(blind_index_filter(Staff, "phone_index", "+8613900139000")).exists()


def test_deferred_encrypted_field_loads_on_access():
    staff = StaffFactory(name="王小明")
    assert Staff.objects.only("employee_no").get(pk=staff.pk).name == "王小明"


def test_compare_and_swap_on_stored_ciphertext():
    staff = StaffFactory(name="王小明")
    stored = Ciphertext(raw_column(staff, "name"))
    assert Staff.objects.filter(pk=staff.pk, name=stored).exists()


def test_save_seals_values_under_an_old_key_or_format_again_even_when_not_assigned(settings):
    old_ring = crypto.current_keyring().serialize()
    staff = StaffFactory(name="王小明", id_number=ID_NUMBER, phone="+8613800138000")
    legacy = crypto.encrypt_legacy(crypto.current_keyring(), "王小明", purpose="organizations.staff.name",
                                   row_id=str(staff.pk))
    Staff.objects.filter(pk=staff.pk).update(name=Ciphertext(legacy))  # what an older installation wrote
    loaded = Staff.objects.get(pk=staff.pk)
    settings.GREENSHIELD_KEYS = f"{crypto.generate_key_entry('knew')},{old_ring}"
    loaded.phone = "+8613900139000"  # only the phone is assigned; name (gs1) and id_number (old key) are not
    loaded.save()
    for column in ("name", "id_number", "phone"):
        assert raw_column(staff, column).startswith("gs2$knew$"), column
    settings.GREENSHIELD_KEYS = crypto.current_keyring().serialize().split(",")[0]
    fresh = Staff.objects.get(pk=staff.pk)  # the old key is gone: everything still reads
    assert (fresh.name, fresh.id_number, fresh.phone) == ("王小明", ID_NUMBER, "+8613900139000")


def test_save_of_a_current_value_keeps_its_ciphertext():
    staff = StaffFactory(name="王小明")
    before = raw_column(staff, "name")
    Staff.objects.get(pk=staff.pk).save()
    assert raw_column(staff, "name") == before
