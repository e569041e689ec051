"""The time the services record: the wall clock, except inside ``clock_simulated``.

Services stamp what they store (acceptance, screening, chain link, alert, audit entry) with ``now()``. The demo
history generator (``simulate --days``) replays a month of traffic in minutes by running the very same services
under a simulated clock that it moves forward through the past, so every stored time is back-dated consistently
and the evidence still verifies. The simulated clock lives in a context variable that only ``clock_simulated``
sets — no request, header or setting can reach it — and it refuses to run in production.

What must stay real stays on ``django.utils.timezone.now``: the transparency log (when a leaf was really queued,
when a checkpoint was really signed), row modification times, the outbox's delivery times.
"""
from __future__ import annotations

import datetime
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


class SimulatedClock:
    """A clock that only moves when told to, and never backwards."""

    def __init__(self, start: datetime.datetime):
        if timezone.is_naive(start):
            raise ValueError("a simulated clock needs an aware time")
        self._now = start

    def now(self) -> datetime.datetime:
        return self._now

    def advance_to(self, at: datetime.datetime) -> None:
        if at > self._now:
            self._now = at


_simulated: ContextVar[SimulatedClock | None] = ContextVar("greenshield_simulated_clock", default=None)


def now() -> datetime.datetime:
    clock = _simulated.get()
    return clock.now() if clock is not None else timezone.now()


def localdate() -> datetime.date:
    return timezone.localdate(now())


def is_simulated() -> bool:
    return _simulated.get() is not None


@contextmanager
def clock_simulated(clock: SimulatedClock):
    """Run the block with the services reading ``clock``. Development and demonstrations only."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("A simulated clock is for development and demonstrations, not production.")
    token = _simulated.set(clock)
    try:
        yield clock
    finally:
        _simulated.reset(token)
