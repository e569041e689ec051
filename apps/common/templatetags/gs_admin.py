"""Template filters for pages built from the API's presenters (whose times are ISO 8601 strings)."""
from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def gs_time(value, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An ISO 8601 time (or a datetime) in local time, ``2026-11-29 08:15:00``; empty when there is none."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(fmt)
