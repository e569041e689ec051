"""Thin Celery tasks: fetch, call a service."""
from celery import shared_task

from .outbox import outbox_deliver, outbox_relay


@shared_task(name="greenshield.outbox_deliver", ignore_result=True, acks_late=True)
def outbox_deliver_task(message_id: int) -> bool:
    return outbox_deliver(message_id)


@shared_task(name="greenshield.outbox_relay", ignore_result=True)
def outbox_relay_task() -> int:
    return outbox_relay()
