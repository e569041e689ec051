"""``verify_log`` catches what ``verify_chains`` cannot: the five rewrites of issue 13, each done with SQL as a
database owner would (triggers off), each against a checkpoint saved before it. ``verify_chains`` is run too,
to show each rewrite is one it passes."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction

from apps.audit.models import AuditEntry
from apps.parcels.chain import event_content
from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Parcel
from apps.transparency.models import LogLeaf
from apps.transparency.services import log_integrate
from greenshield import chain

from .helpers import evidence, integrate_all

pytestmark = pytest.mark.django_db


def db(value):
    """A UUID as this database stores it (SQLite: 32 hex digits), for raw SQL."""
    return models.UUIDField().get_db_prep_value(value, connection)


def owner_sql(*statements):
    """Run SQL behind the application and the database's guards, as the database owner could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # no triggers, no foreign-key checks
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, ())
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


@pytest.fixture
def saved(tmp_path, world, client_for):
    """Evidence for three parcels and a refused attempt, integrated; the checkpoint a regulator saved then."""
    waybills = evidence(client_for, parcels=3)
    checkpoint = integrate_all().checkpoint
    path = tmp_path / "checkpoint.txt"
    path.write_text(checkpoint.note, encoding="utf-8")
    return path, waybills


def verify_log(path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_log", "--checkpoint", str(path), "--no-progress", stdout=out)
    except CommandError as failure:
        return failure.returncode, out.getvalue()
    return 0, out.getvalue()


def verify_chains_passes() -> bool:
    try:
        call_command("verify_chains", "--no-progress", stdout=io.StringIO())
    except CommandError:
        return False
    return True


def test_untouched_evidence_verifies_against_the_saved_checkpoint(saved, client_for):
    path, _ = saved
    evidence(client_for, parcels=1)  # the log grows after the checkpoint was saved
    integrate_all()
    code, output = verify_log(path)
    assert code == 0, output
    assert "extends the saved checkpoint" in output


def test_rewrite_1_delete_the_last_scan_and_rewind_the_head(saved):
    path, waybills = saved
    parcel = Parcel.objects.get(waybill_no=waybills[1])
    last = CheckpointEvent.objects.get(parcel=parcel, seq=parcel.chain_length)
    before = CheckpointEvent.objects.get(parcel=parcel, seq=parcel.chain_length - 1)
    owner_sql((f'DELETE FROM "{CheckpointEvent._meta.db_table}" WHERE id = %s', [last.pk]),
              ("UPDATE parcels_parcel SET chain_head = %s, chain_length = chain_length - 1 WHERE id = %s",
               [before.hash, db(parcel.pk)]))
    assert verify_chains_passes()
    code, output = verify_log(path)
    assert code == 1
    assert "the chain link it commits to is gone or was rewritten" in output
    assert last.hash[:16] in output


def test_rewrite_2_re_hash_a_whole_chain(saved):
    """The insider rewrites a parcel's screening link to CLEAR and re-hashes every link after it so the chain
    verifies — and even queues leaves for the new links, which the integrator takes."""
    path, waybills = saved
    parcel = Parcel.objects.get(waybill_no=waybills[0])
    prev, statements, new_hashes = chain.GENESIS, [], []
    old_hashes = set(CheckpointEvent.objects.filter(parcel=parcel).values_list("hash", flat=True))
    for event in CheckpointEvent.objects.filter(parcel=parcel).order_by("seq"):
        if event.type == "SCREENED":
            event.detail = {**event.detail, "machine_id": "XR-99"}
        new_hash = chain.link_hash(prev, event_content(event))
        statements.append((f'UPDATE "{CheckpointEvent._meta.db_table}" SET detail = %s, prev_hash = %s, hash = %s '
                           "WHERE id = %s", [_json(event.detail), prev, new_hash, event.pk]))
        prev = new_hash
        new_hashes.append(new_hash)
    statements.append(("UPDATE parcels_parcel SET chain_head = %s WHERE id = %s", [prev, db(parcel.pk)]))
    statements += [("INSERT INTO transparency_pendingleaf (data, queued_at) VALUES (%s, now())"
                    if connection.vendor == "postgresql" else
                    "INSERT INTO transparency_pendingleaf (data, queued_at) VALUES (%s, CURRENT_TIMESTAMP)",
                    [f"link:{h}"]) for h in new_hashes]
    owner_sql(*statements)
    log_integrate()
    assert verify_chains_passes()
    code, output = verify_log(path)
    assert code == 1
    rewritten = old_hashes - set(new_hashes)
    assert len(rewritten) == 3  # the screening link and the two scans after it
    assert output.count("the chain link it commits to is gone or was rewritten") == len(rewritten)


def _json(value) -> str:
    import json

    return json.dumps(value)


def test_rewrite_3_delete_a_parcel_with_all_its_events(saved):
    path, waybills = saved
    parcel = Parcel.objects.get(waybill_no=waybills[2])
    links = parcel.chain_length
    pk = db(parcel.pk)
    owner_sql(("DELETE FROM compliance_alert WHERE parcel_id = %s", [pk]),
              ("DELETE FROM screening_screening WHERE parcel_id = %s", [pk]),
              (f'DELETE FROM "{CheckpointEvent._meta.db_table}" WHERE parcel_id = %s', [pk]),
              ("DELETE FROM parcels_parcelterritory WHERE parcel_id = %s", [pk]),
              ("DELETE FROM parcels_parcel WHERE id = %s", [pk]))
    assert verify_chains_passes()
    code, output = verify_log(path)
    assert code == 1
    assert output.count("the chain link it commits to is gone or was rewritten") == links


@pytest.mark.parametrize("with_audit_entry", [False, True], ids=["record_only", "record_and_its_audit_entry"])
def test_rewrite_4_delete_a_refused_attempt(saved, with_audit_entry):
    path, _ = saved
    refused = AcceptanceRecord.objects.get(outcome="REFUSED")
    pk = db(refused.pk)
    statements = [("DELETE FROM compliance_alert WHERE acceptance_id = %s", [pk]),
                  ("DELETE FROM parcels_acceptanceitem WHERE acceptance_id = %s", [pk]),
                  ("DELETE FROM parcels_inspection WHERE acceptance_id = %s", [pk]),
                  ("DELETE FROM senders_verification WHERE acceptance_id = %s", [pk]),
                  ("DELETE FROM parcels_acceptancerecord WHERE id = %s", [pk])]
    if with_audit_entry:
        statements.append(("DELETE FROM audit_auditentry WHERE target_id = %s", [str(refused.pk)]))
    owner_sql(*statements)
    assert verify_chains_passes()
    code, output = verify_log(path)
    assert code == 1
    if with_audit_entry:
        assert "the audit entry it commits to is gone or was rewritten" in output
    else:
        assert f"acceptance attempt {refused.pk}" in output and "its record is gone" in output


def test_rewrite_5_truncate_the_audit_table(saved):
    path, _ = saved
    entries = AuditEntry.objects.count()
    owner_sql("TRUNCATE audit_auditentry" if connection.vendor == "postgresql" else "DELETE FROM audit_auditentry")
    call_command("verify_chains", "--no-progress", stdout=(out := io.StringIO()))
    assert "The audit log verifies (0 entries)" in out.getvalue()
    code, output = verify_log(path)
    assert code == 1
    assert output.count("the audit entry it commits to is gone or was rewritten") == min(entries, 50)


def test_the_log_itself_rewritten_fails_against_the_saved_checkpoint(saved, client_for):
    """The insider drops the leaves of the deleted scan from the log too and rebuilds nothing else: the leaves no
    longer hash to what was signed, and the current tree no longer extends the saved checkpoint."""
    path, _ = saved
    last_index = LogLeaf.objects.order_by("-index").values_list("index", flat=True).first()
    owner_sql(('DELETE FROM transparency_logleaf WHERE "index" = %s', [last_index]))
    code, output = verify_log(path)
    assert code == 1 and "the log holds" in output


def test_a_checkpoint_not_signed_by_the_log_is_refused(saved, tmp_path):
    path, _ = saved
    forged = tmp_path / "forged.txt"
    text = path.read_text()
    lines = text.split("\n")
    lines[1] = str(int(lines[1]) - 1)  # a smaller tree, under the log's signature line
    forged.write_text("\n".join(lines))
    with pytest.raises(CommandError, match="not a checkpoint signed by this log's key"):
        call_command("verify_log", "--checkpoint", str(forged), "--no-progress", stdout=io.StringIO())


# --- as a process ------------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_command_exits_1_as_a_process(require_postgres, world, client_for, tmp_path):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    evidence(client_for, parcels=2)
    path = tmp_path / "checkpoint.txt"
    path.write_text(integrate_all().checkpoint.note)

    def run():
        return subprocess.run([sys.executable, "manage.py", "verify_log", "--checkpoint", str(path), "--no-progress"],
                              cwd=Path(settings.BASE_DIR), env={**os.environ, "DATABASE_URL": url},
                              capture_output=True, text=True, timeout=120, check=False)

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # the guards off, as a database owner could (each monthly partition has its own TRUNCATE guard)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE audit_auditentry")
    altered = run()
    assert altered.returncode == 1, altered.stdout + altered.stderr
    assert "the audit entry it commits to is gone" in altered.stdout


def test_evidence_written_before_the_log_joins_it_by_migration(world, client_for, tmp_path):
    """apps/tracking/migrations/0004: an installation upgraded with records but no log gets a leaf for each."""
    import importlib

    evidence(client_for, parcels=2)
    owner_sql("DELETE FROM transparency_pendingleaf")  # as before the log existed
    code, output = verify_log_without_checkpoint()
    assert code == 1 and "not in the log" in output
    backfill = importlib.import_module("apps.tracking.migrations.0004_backfill_log_leaves")

    class Editor:  # what the migration uses of a schema editor (SQLite refuses a real one inside a transaction)
        @staticmethod
        def execute(sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    backfill.forwards(None, Editor())
    integrate_all()
    code, output = verify_log_without_checkpoint()
    assert code == 0, output


def verify_log_without_checkpoint() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_log", "--no-progress", stdout=out)
    except CommandError as failure:
        return failure.returncode, out.getvalue()
    return 0, out.getvalue()
