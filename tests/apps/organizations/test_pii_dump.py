"""Staff personal data never reaches the database in clear: a full dump of every table holds no name, ID
number or phone of staff created through the API, and the stored values are ciphertext."""
from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from django.db import connection

from greenshield.identity import make_resident_id

STAFF = [
    {"employee_no": "E5001", "facility": "SH-PD-01", "name": "测试员欧阳明月",
     "id_number": make_resident_id("310115", datetime.date(1988, 3, 14), 271), "phone": "13912345671"},
    {"employee_no": "E5002", "facility": "SH-HUB-01", "name": "测试员司马青云",
     "id_number": make_resident_id("320102", datetime.date(1979, 11, 30), 902), "phone": "+86 139 1234 5672"},
    {"employee_no": "E5003", "facility": "SH-PD-01", "name": "测试员诸葛长风",
     "id_number": make_resident_id("330106", datetime.date(2001, 7, 1), 45), "phone": "021-6234-5678"},
]
PHONE_FORMS = {  # every form each phone could be stored in: E.164 and national
    "E5001": ("+8613912345671", "13912345671"),
    "E5002": ("+8613912345672", "13912345672"),
    "E5003": ("+862162345678", "02162345678", "2162345678", "62345678"),
}


def secrets() -> list[str]:
    values = []
    for staff in STAFF:
        values += [staff["name"], staff["name"][3:], staff["id_number"], staff["id_number"][:17]]
        values += PHONE_FORMS[staff["employee_no"]]
    return values


def dump_with_sql() -> str:
    """Every row of every table, as PostgreSQL itself renders the row to text."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=True):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT t::text FROM {quoted} AS t")  # noqa: S608 - table names from introspection
            lines += [f"{table}\t{row[0]}" for row in cursor.fetchall()]
    return "\n".join(lines)


def dump_with_pg_dump() -> str | None:
    if shutil.which("pg_dump") is None:
        return None
    settings = connection.settings_dict
    command = ["pg_dump", "--no-owner", "--data-only", "-h", settings.get("HOST") or "127.0.0.1",
               "-U", settings.get("USER") or "root", settings["NAME"]]
    if settings.get("PORT"):
        command[-1:-1] = ["-p", str(settings["PORT"])]
    env = {"PATH": "/usr/bin:/bin", "PGPASSWORD": settings.get("PASSWORD") or ""}
    result = subprocess.run(command, capture_output=True, check=True, timeout=60, env=env)  # noqa: S603
    return result.stdout.decode()


@pytest.mark.django_db(transaction=True)
def test_no_staff_personal_data_in_the_database(require_postgres, world, client_for):
    client = client_for("superuser")
    for staff in STAFF:
        response = client.post("/api/v1/staff/", {**staff, "organization": "ZTO", "id_type": "RESIDENT_ID"},
                               format="json")
        assert response.status_code == 201, response.content
    # an update writes too (and its audit entry)
    response = client.patch("/api/v1/staff/E5001/", {"status": "SUSPENDED", "name": STAFF[0]["name"]}, format="json")
    assert response.status_code == 200, response.content

    dumps = {"sql": dump_with_sql(), "pg_dump": dump_with_pg_dump()}
    assert "E5001" in dumps["sql"] and "E5003" in dumps["sql"]  # the dump does contain the rows
    for kind, dump in dumps.items():
        if dump is None:
            continue
        assert "E5002" in dump
        leaked = [value for value in secrets() if value in dump]
        assert leaked == [], f"{kind} dump contains personal data"

    with connection.cursor() as cursor:
        cursor.execute("SELECT employee_no, name, id_number, phone FROM organizations_staff "
                       "WHERE employee_no IN ('E5001', 'E5002', 'E5003')")
        stored = cursor.fetchall()
    assert len(stored) == 3
    for row in stored:
        assert all(value.startswith("gs2$") for value in row[1:]), row[0]
