"""Thin Celery tasks: fetch, call a service."""
from celery import shared_task

from .services import unscreened_sweep


@shared_task(name="greenshield.unscreened_sweep", ignore_result=True)
def unscreened_sweep_task() -> int:
    return unscreened_sweep()
