"""The integrator: every link and audit entry becomes a leaf with a contiguous index; the tree's root is the
RFC 9162 root of the leaves in index order (checked by the independent implementation of the tests); every
checkpoint is signed and kept; one integrator at a time; late leaves raise the merge-delay alert."""
from __future__ import annotations

import datetime
import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common.outbox import outbox_relay
from apps.compliance.models import Alert, Notification
from apps.transparency.keys import log_verifier
from apps.transparency.models import LogCheckpoint, LogLeaf, LogTile, PendingLeaf
from apps.transparency.services import log_integrate, log_tree
from greenshield import merkle, note
from greenshield.enums import AlertKind
from tests.greenshield.test_merkle import ref_mth
from tests.services import wait_until

from .helpers import evidence, expected_leaves, integrate_all, integrated

pytestmark = pytest.mark.django_db


def test_every_link_and_audit_entry_becomes_a_leaf_in_order(world, client_for):
    evidence(client_for, parcels=3)
    assert {d for d in PendingLeaf.objects.values_list("data", flat=True)} == expected_leaves()
    result = integrate_all()
    leaves = integrated()
    assert [i for i, _ in leaves] == list(range(len(leaves))) and result.size == len(leaves)
    assert {d for _, d in leaves} == expected_leaves() and not PendingLeaf.objects.exists()
    # refused attempts are in: their audit entry is a leaf
    assert any(d.startswith("audit:") for _, d in leaves)
    root = ref_mth([d.encode() for _, d in leaves])
    checkpoint = note.checkpoint_open(result.checkpoint.note, log_verifier())
    assert (checkpoint.size, checkpoint.root) == (len(leaves), root)
    assert log_tree().root() == root


def test_batches_across_tile_boundaries_give_the_root_of_all_leaves(world):
    for i in range(700):
        audit_record(actor=None, action="test.bulk", target_id=str(i))
    sizes = []
    while PendingLeaf.objects.exists():
        result = log_integrate(batch_size=97, max_leaves=300)
        sizes.append(result.size)
    assert sizes == [300, 600, 700]
    leaves = integrated()
    assert [i for i, _ in leaves] == list(range(700))
    assert log_tree().root() == ref_mth([d.encode() for _, d in leaves])
    assert set(LogTile.objects.filter(width=256).values_list("level", "index")) == {(0, 0), (0, 1)}
    for size in (300, 600, 700):  # every checkpoint kept, each the root of its prefix
        checkpoint = LogCheckpoint.objects.get(size=size)
        assert checkpoint.root_hash == ref_mth([d.encode() for _, d in leaves[:size]]).hex()
        assert log_tree(size).root().hex() == checkpoint.root_hash


def test_nothing_new_signs_nothing_new_but_the_empty_log_gets_a_checkpoint(world):
    first = integrate_all()
    assert first.size == 0 and first.checkpoint.root_hash == merkle.EMPTY_ROOT.hex()
    again = integrate_all()
    assert again.checkpoint.pk == first.checkpoint.pk and LogCheckpoint.objects.count() == 1


def test_a_leaf_waiting_beyond_the_maximum_merge_delay_alerts_the_operators(world):
    audit_record(actor=None, action="test.late")
    PendingLeaf.objects.update(queued_at=timezone.now() - datetime.timedelta(seconds=30))
    with override_settings(GREENSHIELD_LOG_MAX_MERGE_DELAY_SECONDS=10):
        integrate_all()
    outbox_relay()  # the integrator's message raises the alert…
    outbox_relay()  # …whose own message notifies the operators
    alert = Alert.objects.get(kind=AlertKind.LOG_MERGE_DELAY)
    assert alert.organization is None and alert.detail["delay_seconds"] >= 30
    assert set(Notification.objects.filter(alert=alert).values_list("recipient__username", flat=True)) == {"root"}


def test_leaves_in_time_raise_no_alert(world):
    audit_record(actor=None, action="test.on_time")
    integrate_all()
    outbox_relay()
    assert not Alert.objects.filter(kind=AlertKind.LOG_MERGE_DELAY).exists()


def test_a_second_integrator_is_turned_away(require_postgres, world, django_db_blocker):
    audit_record(actor=None, action="test.one")
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(5, %s)", [_lock_key()])
            assert log_integrate().busy
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert not log_integrate().busy


def _lock_key() -> int:
    import zlib

    from apps.common.locks import _int32

    return _int32(zlib.crc32(b"integrator"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_share_an_index_or_leave_a_gap(require_postgres, world):
    """Eight writer threads append audit entries (each in its own transaction, no lock) while the integrator
    runs again and again: in the end every entry has exactly one leaf, at indices 0…n-1."""
    per_writer, writers = 40, 8
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(n: int):
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", target_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    def integrate():
        try:
            while not stop.is_set():
                log_integrate(batch_size=7)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    integrators = [threading.Thread(target=integrate) for _ in range(2)]
    for t in threads + integrators:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in integrators:
        t.join()
    assert not errors, errors
    integrate_all()
    indices = list(LogLeaf.objects.order_by("index").values_list("index", flat=True))
    assert indices == list(range(writers * per_writer))
    assert len({d for d in LogLeaf.objects.values_list("data", flat=True)}) == writers * per_writer
    assert {d for _, d in integrated()} == expected_leaves()
    sizes = list(LogCheckpoint.objects.order_by("id").values_list("size", flat=True))
    assert sizes == sorted(sizes)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_integrates_within_seconds(require_postgres, celery_worker, world):
    """The real worker's beat runs the integrator every few seconds: a leaf written now is in a signed
    checkpoint shortly after, with nobody calling log_integrate."""
    entry = audit_record(actor=None, action="test.beat")
    wait_until(lambda: LogLeaf.objects.filter(data=f"audit:{entry.hash}").exists(), timeout=30,
               what="the beat integrator")
    latest = LogCheckpoint.objects.order_by("-id").first()
    index = LogLeaf.objects.get(data=f"audit:{entry.hash}").index
    assert latest.size > index
