"""Thin Celery tasks: fetch, call a service."""
from celery import shared_task


@shared_task(name="greenshield.retention_sweep", ignore_result=True)
def retention_sweep_task() -> dict:
    from .retention import retention_sweep

    return retention_sweep()


@shared_task(name="greenshield.partitions_maintain", ignore_result=True)
def partitions_maintain_task() -> dict:
    from .retention import partitions_maintain

    return partitions_maintain()
