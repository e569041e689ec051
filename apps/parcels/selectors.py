"""Reads of parcels and acceptances, scoped to the user."""
from __future__ import annotations

from apps.common.scoping import scope

from .models import AcceptanceRecord, Parcel, ProhibitedCategory


def prohibited_category_list():
    return ProhibitedCategory.objects.all()


def acceptance_list(*, user):
    return scope(AcceptanceRecord.objects.select_related("outlet", "staff", "organization", "sender"), user,
                 facility="outlet")


def parcel_list(*, user):
    return scope(Parcel.objects.select_related("organization", "outlet", "sender"), user, facility="outlet")
