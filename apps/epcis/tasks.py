"""Thin Celery tasks: fetch, call a service."""
from celery import shared_task


@shared_task(name="greenshield.epcis_subscriptions_due", ignore_result=True)
def epcis_subscriptions_due_task() -> int:
    from .subscriptions import subscriptions_queue

    return subscriptions_queue()
