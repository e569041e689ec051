"""The transactional outbox. ``outbox_put`` inside the fact's transaction; after commit a Celery task is
kicked (if the broker is down the kick fails quietly); the periodic relay delivers whatever is still pending.
Handlers are registered per topic and run in the same transaction that marks the message delivered."""
from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[[dict], None]] = {}
MAX_ERROR = 2000


def outbox_handler(topic: str):
    def register(func):
        HANDLERS[topic] = func
        return func

    return register


def outbox_put(topic: str, payload: dict) -> OutboxMessage:
    """Record work to do once the current transaction commits (and only if it does)."""
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    transaction.on_commit(lambda: outbox_kick(message.pk))
    return message


DELIVER_TASK = "greenshield.outbox_deliver"  # apps.common.tasks.outbox_deliver_task, enqueued by name


def outbox_kick(message_id: int) -> None:
    """Ask a worker to deliver now. Never raises: if the broker is unreachable the relay picks it up later."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        outbox_deliver(message_id)
        return
    try:
        from celery import current_app

        with current_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            current_app.send_task(DELIVER_TASK, (message_id,), connection=connection, retry=False)
    except Exception as exc:  # noqa: BLE001 - a broker outage must not fail the request
        log.warning("outbox: broker unavailable, message %s left for the relay (%s)", message_id,
                    type(exc).__name__)


def outbox_deliver(message_id: int) -> bool:
    """Deliver one message if nobody has; True if this call delivered it."""
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id, delivered_at__isnull=True).first())
        if message is None:
            return False
        return _deliver_locked(message)


def _deliver_locked(message: OutboxMessage) -> bool:
    handler = HANDLERS.get(message.topic)
    message.attempts += 1
    try:
        if handler is None:
            raise LookupError(f"no handler for topic {message.topic!r}")
        with transaction.atomic():
            handler(message.payload)
    except Exception as exc:  # noqa: BLE001 - recorded on the message, retried by the relay
        message.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        message.save(update_fields=["attempts", "last_error"])
        log.exception("outbox: delivery of %s failed", message)
        return False
    message.delivered_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "delivered_at", "last_error"])
    return True


def outbox_relay(*, batch_size: int = 200, max_attempts: int = 20) -> int:
    """Deliver pending messages (oldest first), skipping rows another worker holds. Returns how many."""
    delivered = 0
    while True:
        with transaction.atomic():
            batch = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                         .filter(delivered_at__isnull=True, attempts__lt=max_attempts).order_by("id")[:batch_size])
            done = sum(_deliver_locked(message) for message in batch)
        delivered += done
        if len(batch) < batch_size or done == 0:
            return delivered
