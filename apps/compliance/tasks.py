from celery import shared_task

from .services import unscreened_sweep


@shared_task(name="greenshield.unscreened_sweep", ignore_result=True)
def unscreened_sweep_task() -> int:
    return unscreened_sweep()


@shared_task(name="greenshield.retention_sweep", ignore_result=True)
def retention_sweep_task() -> dict:
    from .retention import retention_sweep

    return retention_sweep()
