"""Thin Celery tasks: fetch, call a service."""
from celery import shared_task


@shared_task(name="greenshield.retention_sweep", ignore_result=True)
def retention_sweep_task() -> dict:
    from .retention import retention_sweep

    return retention_sweep()
