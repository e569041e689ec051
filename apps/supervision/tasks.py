"""Thin Celery task: the incremental rollup, run by beat every few minutes (one active run: an advisory lock)."""
from celery import shared_task

from . import services


@shared_task(name="greenshield.supervision_rollup")
def supervision_rollup_task() -> dict | None:
    return services.rollup_changed()
