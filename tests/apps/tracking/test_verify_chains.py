"""``manage.py verify_chains``: success and exit status 0 on an untouched database; exit status 1 and the
altered parcels listed (and only those) when a stored link was changed or removed with SQL."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.parcels.models import CheckpointEvent, Parcel
from tests.helpers import accept

EVENTS = "/api/v1/events/"
TABLE = CheckpointEvent._meta.db_table


def make_parcels(client_for, count: int = 3) -> list[str]:
    """``count`` parcels, each with three scans after its two acceptance links."""
    waybills = [accept(client_for("outlet_staff"))["waybill_no"] for _ in range(count)]
    events = [{"event_id": str(uuid.uuid4()), "waybill_no": wb, "type": t, "occurred_at": timezone.now().isoformat(),
               "detail": {"reason": "OTHER"} if t == "RETURNED" else {}}
              for t in ("ARRIVED", "SORTED", "RETURNED") for wb in waybills]
    response = client_for("device").post(EVENTS, {"events": events}, format="json")
    assert response.json()["summary"]["accepted"] == len(events), response.content
    return waybills


def link_id(waybill_no: str, seq: int) -> int:
    return CheckpointEvent.objects.get(parcel__waybill_no=waybill_no, seq=seq).pk


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run() -> str:
    out = io.StringIO()
    call_command("verify_chains", "--no-progress", stdout=out)
    return out.getvalue()


def run_failing() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_chains", "--no-progress", stdout=out)
    assert failure.value.returncode == 1
    return out.getvalue()


@pytest.mark.django_db
def test_an_untouched_database_verifies(client_for):
    make_parcels(client_for)
    assert "All 3 parcel chains verify." in run()


@pytest.mark.django_db
def test_an_empty_database_verifies():
    assert "All 0 parcel chains verify." in run()


TAMPERING = [
    pytest.param(lambda wb: (f'UPDATE "{TABLE}" SET detail = %s WHERE id = %s', ['{"x": 1}', link_id(wb, 4)]),
                 id="detail_edited"),
    pytest.param(lambda wb: (f'UPDATE "{TABLE}" SET type = %s WHERE id = %s', ["DELIVERED", link_id(wb, 5)]),
                 id="type_edited"),
    pytest.param(lambda wb: (f'UPDATE "{TABLE}" SET detail = %s WHERE id = %s', ['{"x": 1e30}', link_id(wb, 3)]),
                 id="detail_no_canonical_form"),
    pytest.param(lambda wb: (f'UPDATE "{TABLE}" SET hash = %s WHERE id = %s', ["f" * 64, link_id(wb, 5)]),
                 id="hash_edited"),
    pytest.param(lambda wb: (f'UPDATE "{TABLE}" SET detail = %s WHERE id = %s', ['{"reason": "x"}',
                                                                                   link_id(wb, 1)]),
                 id="acceptance_link_edited"),
    pytest.param(lambda wb: (f'DELETE FROM "{TABLE}" WHERE id = %s', [link_id(wb, 5)]), id="last_link_deleted"),
    pytest.param(lambda wb: (f'DELETE FROM "{TABLE}" WHERE id = %s', [link_id(wb, 4)]), id="middle_link_deleted"),
    pytest.param(lambda wb: (f'UPDATE "{Parcel._meta.db_table}" SET chain_head = %s WHERE waybill_no = %s',
                             ["e" * 64, wb]), id="head_edited"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", TAMPERING)
def test_an_altered_chain_is_listed_with_exit_status_1(client_for, tamper):
    waybills = make_parcels(client_for)
    altered = waybills[1]
    sql(*tamper(altered))

    output = run_failing()
    assert "1 of 3 parcel chains were altered" in output
    assert altered in output
    assert waybills[0] not in output and waybills[2] not in output


@pytest.mark.django_db
def test_every_altered_parcel_is_listed(client_for):
    waybills = make_parcels(client_for, count=4)
    sql(f'UPDATE "{TABLE}" SET detail = %s WHERE id = %s', ['{"x": 1}', link_id(waybills[0], 4)])
    sql(f'DELETE FROM "{TABLE}" WHERE id = %s', [link_id(waybills[3], 5)])
    output = run_failing()
    assert "2 of 4 parcel chains were altered" in output
    assert waybills[0] in output and waybills[3] in output
    assert waybills[1] not in output and waybills[2] not in output


@pytest.mark.django_db
def test_batches_smaller_than_the_parcel_count_still_check_every_parcel(client_for):
    waybills = make_parcels(client_for, count=5)
    sql(f'UPDATE "{TABLE}" SET detail = %s WHERE id = %s', ['{"x": 1}', link_id(waybills[4], 4)])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_chains", "--no-progress", "--batch-size", "2", stdout=out)
    assert waybills[4] in out.getvalue()


# --- as a process, against the test database ---------------------------------------------------------------

def manage(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "manage.py", "verify_chains", "--no-progress"], cwd=Path(settings.BASE_DIR),
                          env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_1_as_a_process(require_postgres, world, client_for):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    waybills = make_parcels(client_for)

    clean = manage(url)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "All 3 parcel chains verify." in clean.stdout

    sql(f'UPDATE "{TABLE}" SET detail = %s WHERE id = %s', ['{"x": 1}', link_id(waybills[2], 4)])
    altered = manage(url)
    assert altered.returncode == 1, altered.stdout + altered.stderr
    assert waybills[2] in altered.stdout
    assert waybills[0] not in altered.stdout and waybills[1] not in altered.stdout
