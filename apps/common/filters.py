"""Filters shared by the API's filter sets."""
from __future__ import annotations

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField

from greenshield.errors import ValidationFailed


def aware_instant(raw, name: str) -> datetime.datetime:
    """A query parameter's ISO 8601 time with its UTC offset, in UTC; else ``invalid`` naming the parameter.
    Well-formed but impossible values (month 13) and the edges of the calendar (year 1 at +14:00) are client errors,
    not an overflow in the query; PostgreSQL refuses offsets beyond ±16:00, which Python allows."""
    value = None
    if isinstance(raw, str):
        try:
            value = parse_datetime(raw)
            if value is not None and value.tzinfo is not None and not 1 < value.astimezone(datetime.UTC).year < 9999:
                value = None
        except (ValueError, OverflowError):
            value = None
    if value is None or value.tzinfo is None:
        raise ValidationFailed(f"{name} must be an ISO 8601 time with its UTC offset.", code="invalid", attr=name)
    return value.astimezone(datetime.UTC)


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, in UTC: Python accepts UTC offsets up to ±23:59 and PostgreSQL refuses those beyond ±16:00
    (a server error), and the edges of the calendar have no UTC form at all (a client error)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField
