"""The transactional outbox without a worker: an alert and its notification message are written together,
delivery takes effect once, failures are recorded and retried by the relay, and in eager mode (no REDIS_URL)
the message is delivered as soon as the request's transaction commits. The real worker is covered by
``test_worker_integration``."""
from __future__ import annotations

import pytest
from django.db import transaction

from apps.common import outbox
from apps.common.models import OutboxMessage
from apps.common.outbox import outbox_deliver, outbox_kick, outbox_put, outbox_relay
from apps.compliance.models import Alert, Notification
from apps.compliance.services import NOTIFY_TOPIC, alert_raise, alert_recipients
from greenshield.enums import AlertKind, AlertSeverity, Role
from tests.factories import UserFactory
from tests.helpers import accept, screening_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(settings):
    """The embedded default: no REDIS_URL, tasks run in-process."""
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def raise_alert(world, kind=AlertKind.SUSPECT_SCREENING, **kwargs) -> Alert:
    return alert_raise(kind=kind, organization=world.zto, facility=world.zto_hub, summary=f"{kind} test", **kwargs)


def recipients_of(alert) -> set[str]:
    return set(Notification.objects.filter(alert=alert).values_list("recipient__username", flat=True))


def test_an_alert_and_its_message_are_written_in_one_transaction(world):
    alert = raise_alert(world)

    message = OutboxMessage.objects.get()
    assert (message.topic, message.payload) == (NOTIFY_TOPIC, {"alert": str(alert.pk)})
    assert (message.delivered_at, message.attempts, message.last_error) == (None, 0, "")


def test_a_rolled_back_fact_leaves_neither_alert_nor_message(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        raise_alert(world)
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the request failed after raising the alert")
    assert not Alert.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_deduplicated_alert_writes_no_second_message(world):
    assert raise_alert(world, dedup_key="screening:1") is not None
    assert raise_alert(world, dedup_key="screening:1") is None
    assert Alert.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_the_message_is_kicked_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert = raise_alert(world)
    assert len(callbacks) == 1
    assert OutboxMessage.objects.get().delivered_at is None  # nothing ran before the commit
    assert not Notification.objects.exists()
    callbacks[0]()
    assert OutboxMessage.objects.get().delivered_at is not None
    assert recipients_of(alert) == {"zto_supervisor"}


def test_delivery_takes_effect_once(world):
    alert = raise_alert(world, kind=AlertKind.PROHIBITED_SCREENING)
    message = OutboxMessage.objects.get()

    assert outbox_deliver(message.pk) is True
    message.refresh_from_db()
    alert.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 1
    notified_at = alert.notified_at
    assert notified_at is not None
    assert recipients_of(alert) == {"zto_supervisor", "sh_regulator"}

    assert outbox_deliver(message.pk) is False
    assert outbox_relay() == 0
    assert Notification.objects.count() == 2
    message.refresh_from_db()
    alert.refresh_from_db()
    assert message.attempts == 1 and alert.notified_at == notified_at


def test_delivering_an_unknown_message_does_nothing(world):
    assert outbox_deliver(987654) is False


def test_the_relay_delivers_everything_pending(world):
    alerts = [raise_alert(world, dedup_key=f"k{i}") for i in range(5)]
    outbox_deliver(OutboxMessage.objects.order_by("id").first().pk)

    assert outbox_relay() == 4
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    for alert in alerts:
        assert recipients_of(alert) == {"zto_supervisor"}
    assert outbox_relay() == 0


def test_the_relay_works_in_batches(world):
    for i in range(7):
        raise_alert(world, dedup_key=f"k{i}")
    assert outbox_relay(batch_size=3) == 7
    assert Notification.objects.count() == 7


class FlakyHandler:
    """Fails ``failures`` times (after writing a notification, which must be rolled back), then succeeds."""

    def __init__(self, alert, failures: int):
        self.alert, self.failures, self.calls = alert, failures, 0

    def __call__(self, payload):
        self.calls += 1
        Notification.objects.create(alert=self.alert, recipient=self.alert.organization.accounts.first())
        if self.calls <= self.failures:
            raise RuntimeError(f"mail server down ({payload['n']})")


@pytest.fixture
def flaky(world, monkeypatch):
    alert = raise_alert(world)
    OutboxMessage.objects.all().delete()

    def make(failures):
        handler = FlakyHandler(alert, failures)
        monkeypatch.setitem(outbox.HANDLERS, "test.flaky", handler)
        return handler

    return make


def test_a_failing_handler_is_recorded_and_retried_by_the_relay(world, flaky):
    handler = flaky(failures=2)
    message = outbox_put("test.flaky", {"n": 1})

    assert outbox_deliver(message.pk) is False
    message.refresh_from_db()
    assert message.delivered_at is None and message.attempts == 1
    assert message.last_error == "RuntimeError: mail server down (1)"
    assert not Notification.objects.exists()  # the failed attempt's effects were rolled back

    assert outbox_relay() == 0
    message.refresh_from_db()
    assert (message.attempts, message.delivered_at) == (2, None)

    assert outbox_relay() == 1
    message.refresh_from_db()
    assert message.attempts == 3 and message.delivered_at is not None and message.last_error == ""
    assert Notification.objects.count() == 1 and handler.calls == 3
    assert outbox_relay() == 0 and handler.calls == 3


def test_a_failing_message_does_not_block_the_others(world, flaky):
    flaky(failures=100)
    bad = outbox_put("test.flaky", {"n": 1})
    good = raise_alert(world, kind=AlertKind.SEIZURE_REPORTED)

    assert outbox_relay() == 1
    assert OutboxMessage.objects.get(pk=bad.pk).delivered_at is None
    assert recipients_of(good) == {"zto_supervisor", "sh_regulator"}


def test_the_relay_gives_up_after_max_attempts(world, flaky):
    handler = flaky(failures=100)
    message = outbox_put("test.flaky", {"n": 1})
    for _ in range(3):
        outbox_relay(max_attempts=3)
    outbox_relay(max_attempts=3)
    message.refresh_from_db()
    assert message.attempts == 3 and handler.calls == 3 and message.delivered_at is None


def test_a_message_without_handler_is_kept_with_its_error(world):
    message = outbox_put("no.such.topic", {})
    assert outbox_deliver(message.pk) is False
    message.refresh_from_db()
    assert message.attempts == 1 and message.delivered_at is None
    assert message.last_error.startswith("LookupError: no handler for topic 'no.such.topic'")


def test_a_broker_outage_leaves_the_message_for_the_relay(world, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    alert = raise_alert(world)
    message = OutboxMessage.objects.get()

    outbox_kick(message.pk)  # must not raise

    message.refresh_from_db()
    assert message.delivered_at is None and message.attempts == 0
    assert outbox_relay() == 1
    assert recipients_of(alert) == {"zto_supervisor"}


# --- eager mode through the API ------------------------------------------------------------------------------

def test_in_eager_mode_the_notification_is_delivered_when_the_request_commits(
        world, client_for, django_capture_on_commit_callbacks):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    with django_capture_on_commit_callbacks(execute=True):
        response = screening_post(client_for("screener"), waybill, "SUSPECT")
    assert response.status_code == 201

    alert = Alert.objects.get()
    assert alert.notified_at is not None
    assert recipients_of(alert) == {"zto_supervisor"}
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    assert outbox_relay() == 0 and Notification.objects.count() == 1


def test_without_a_commit_nothing_is_delivered(world, client_for):
    """The test's transaction never commits, so the message stays pending: delivery never runs before the fact
    it depends on is committed."""
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    screening_post(client_for("screener"), waybill, "SUSPECT")
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 1
    assert not Notification.objects.exists()


# --- recipients ----------------------------------------------------------------------------------------------

@pytest.fixture
def more_people(world):
    UserFactory(username="zto_supervisor_2", role=Role.SUPERVISOR, organization=world.zto)
    UserFactory(username="zto_supervisor_gone", role=Role.SUPERVISOR, organization=world.zto, is_active=False)
    UserFactory(username="sh_regulator_2", role=Role.REGULATOR, province="310000")
    UserFactory(username="zj_regulator", role=Role.REGULATOR, province="330000")


@pytest.mark.parametrize(("severity", "expected"), [
    (AlertSeverity.INFO, {"zto_supervisor", "zto_supervisor_2"}),
    (AlertSeverity.WARNING, {"zto_supervisor", "zto_supervisor_2"}),
    (AlertSeverity.HIGH, {"zto_supervisor", "zto_supervisor_2", "sh_regulator", "sh_regulator_2"}),
    (AlertSeverity.CRITICAL, {"zto_supervisor", "zto_supervisor_2", "sh_regulator", "sh_regulator_2"}),
])
def test_recipients_by_severity(world, more_people, severity, expected):
    alert = raise_alert(world, severity=severity)
    assert {user.username for user in alert_recipients(alert)} == expected
    outbox_relay()
    assert recipients_of(alert) == expected


def test_recipients_of_a_jiangsu_company(world):
    alert = alert_raise(kind=AlertKind.DISPATCH_WITHOUT_SCREENING, organization=world.yto, summary="x")
    outbox_relay()
    assert recipients_of(alert) == {"yto_supervisor", "js_regulator"}


def test_an_alert_with_nobody_to_tell_is_still_delivered(world):
    for user in (world.users["supervisor"], world.users["regulator"]):
        user.is_active = False
        user.save(update_fields=["is_active"])
    alert = raise_alert(world, kind=AlertKind.CHAIN_INTEGRITY_FAILURE)
    assert outbox_relay() == 1
    alert.refresh_from_db()
    assert alert.notified_at is not None and not Notification.objects.exists()
