"""Thin Celery task: the integrator, run by beat every few seconds (one active instance: the advisory lock
inside ``log_integrate`` turns a second one away)."""
from celery import shared_task


@shared_task(name="greenshield.log_integrate", ignore_result=True)
def log_integrate_task() -> int:
    from .services import log_integrate

    return log_integrate().integrated
