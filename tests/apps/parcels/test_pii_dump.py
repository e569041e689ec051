"""A dump of the whole database holds no sender or recipient plaintext [R16]: after accepted and refused
attempts, an idempotent retry and blacklist entries, no name, ID number, phone (E.164 or as dialled) or address
appears anywhere — not in the parcel tables, alerts, audit log, trace chain or stored idempotent responses — and
neither does the doorstep where a parcel was delivered (a last-mile scan's location)."""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from django.db import connection

from apps.parcels.models import AcceptanceRecord, Parcel
from greenshield.identity import make_resident_id, phone_national_digits
from tests.helpers import acceptance_body, acceptance_post, blacklist_post, events_post, scan


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    e164: str
    address: str
    id_type: str = ""
    id_number: str = ""

    def plaintexts(self) -> list[str]:
        values = [self.name, self.phone, self.e164, phone_national_digits(self.e164), self.address]
        if self.id_number:
            values += [self.id_number, self.id_number.lower()]
        return values


SENDERS = [
    Person("钱寄甲", "13700137001", "+8613700137001", "上海市徐汇区虚构路1号", "RESIDENT_ID",
           make_resident_id("310104", datetime.date(1981, 2, 3), 11)),
    Person("孙寄乙", "021-62345678", "+862162345678", "上海市静安区假想街22号", "PASSPORT", "E98765432"),
    Person("李寄丙", "15800158003", "+8615800158003", "南京市鼓楼区臆造巷3号", "RESIDENT_ID",
           make_resident_id("320106", datetime.date(1969, 10, 1), 305)),
    Person("周负责", "18600186004", "+8618600186004", "杭州市西湖区杜撰路44号", "RESIDENCE_PERMIT",
           make_resident_id("810000", datetime.date(1977, 7, 7), 77)),
]
RECIPIENTS = [
    Person("吴收甲", "15000150001", "+8615000150001", "南京市玄武区模拟路5号"),
    Person("郑收乙", "0571-87654321", "+8657187654321", "杭州市上城区演示街66号"),
    Person("王收丙", "17700177003", "+8617700177003", "苏州市姑苏区样本弄7号"),
]
# Blacklisted but never seen at an outlet: only the blacklist entry holds this document.
BLACKLISTED_ONLY = make_resident_id("330106", datetime.date(1988, 8, 8), 888)
# Turned away with a malformed document (400): nothing of theirs may be kept.
_valid = make_resident_id("310105", datetime.date(1995, 5, 5), 55)
REJECTED = Person("赵被拒", "13300133009", "+8613300133009", "上海市长宁区反例路9号", "RESIDENT_ID",
                  _valid[:17] + ("0" if _valid[17] != "0" else "1"))


def body_for(sender: Person, recipient: Person, *, sender_changes: dict | None = None, **changes) -> dict:
    return acceptance_body(
        sender={"name": sender.name, "id_type": sender.id_type, "id_number": sender.id_number.lower(),
                "phone": sender.phone, "address": sender.address, **(sender_changes or {})},
        recipient={"name": recipient.name, "phone": recipient.phone, "address": recipient.address,
                   "region_code": "320102"},
        **changes)


def database_dump(*, prefer_pg_dump: bool = True) -> str:
    """``pg_dump`` of the test database when the client is installed; otherwise every row of every table."""
    settings = connection.settings_dict
    if prefer_pg_dump and shutil.which("pg_dump"):
        command = ["pg_dump", "--no-password", "--dbname", settings["NAME"]]
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if settings.get(key):
                command += [option, str(settings[key])]
        env = {"PATH": os.environ.get("PATH", "")}
        if settings.get("PASSWORD"):
            env["PGPASSWORD"] = settings["PASSWORD"]
        result = subprocess.run(command, capture_output=True, check=True, env=env, timeout=120)  # noqa: S603
        return result.stdout.decode("utf-8")
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — names from the introspection
            rows += [repr(row) for row in cursor.fetchall()]
    return "\n".join(rows)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prefer_pg_dump", [True, False], ids=["pg_dump", "select-every-table"])
def test_database_dump_holds_no_personal_plaintext(require_postgres, world, client_for, prefer_pg_dump):
    outlet = client_for("outlet_staff")
    regulator = client_for("regulator")
    assert blacklist_post(regulator, id_type="RESIDENT_ID", id_number=SENDERS[2].id_number).status_code == 201
    assert blacklist_post(regulator, id_number=BLACKLISTED_ONLY).status_code == 201

    attempts = [
        (body_for(SENDERS[0], RECIPIENTS[0], waybill_no="ZTO0000000101"), "ACCEPTED"),
        (body_for(SENDERS[1], RECIPIENTS[1], inspection={"result": "PROHIBITED_FOUND", "notes": "管制刀具"}),
         "REFUSED"),
        (body_for(SENDERS[2], RECIPIENTS[2]), "REFUSED"),
        (body_for(SENDERS[3], RECIPIENTS[0], sender_changes={"kind": "ORGANIZATION", "uscc": "91110000600037341L",
                                                             "organization_name": "测试科技有限公司"}),
         "ACCEPTED"),
        (body_for(SENDERS[0], RECIPIENTS[2], verification={"method": "MANUAL_CHECK", "identity_matched": False}),
         "REFUSED"),
    ]
    for index, (body, expected) in enumerate(attempts):
        headers = {"HTTP_IDEMPOTENCY_KEY": f"dump-{index}"}
        response = acceptance_post(outlet, body, **headers)
        assert response.status_code == 201 and response.json()["outcome"] == expected, response.content
        assert acceptance_post(outlet, body, **headers).json() == response.json()  # the stored response is replayed
    assert acceptance_post(outlet, body_for(REJECTED, REJECTED)).status_code == 400
    assert (AcceptanceRecord.objects.count(), Parcel.objects.count()) == (5, 2)
    # The last mile: out for delivery, one failed attempt, delivered — each at the recipient's door.
    door = {"lat": 29.876543, "lon": 118.765432}
    last_mile = [scan("ZTO0000000101", "OUT_FOR_DELIVERY", location=door),
                 scan("ZTO0000000101", "DELIVERY_FAILED", location=door, detail={"reason": "NO_ONE_HOME"}),
                 scan("ZTO0000000101", "DELIVERED", location=door, detail={"received_by": "RECIPIENT"})]
    assert events_post(client_for("device"), last_mile)["summary"]["accepted"] == 3

    dump = database_dump(prefer_pg_dump=prefer_pg_dump)

    # The dump does hold the data: waybills, ciphertext, and the organisation's USCC (business data, in clear).
    assert "ZTO0000000101" in dump and "gs2$" in dump and "91110000600037341L" in dump
    people = [*SENDERS, *RECIPIENTS, REJECTED]
    leaked = sorted({value for person in people for value in person.plaintexts() if value in dump}
                    | ({BLACKLISTED_ONLY} if BLACKLISTED_ONLY in dump else set()))
    assert not leaked, f"plaintext personal data in the database dump: {leaked}"
    assert "29.876543" not in dump and "118.765432" not in dump, "a delivery location in the database dump"
    assert "118.77" not in dump, "a delivery location (coarse) in the database dump"  # no clock reads 118 s


@pytest.mark.django_db(transaction=True)
def test_staff_personal_data_is_not_in_the_dump_either(require_postgres, world, client_for):
    acceptance_post(client_for("outlet_staff"))
    staff = [world.zto_courier, world.zto_screener_staff, world.yto_courier]

    dump = database_dump()

    for member in staff:
        assert member.employee_no in dump
        for value in (member.name, member.id_number, member.phone, phone_national_digits(member.phone)):
            assert value not in dump, member.employee_no
