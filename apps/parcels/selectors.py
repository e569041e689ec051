"""Reads of parcels and acceptances, scoped to the user."""
from __future__ import annotations

from .models import AcceptanceRecord, Parcel, ProhibitedCategory


def prohibited_category_list(*, user=None):
    return ProhibitedCategory.objects.restrict(user) if user is not None else ProhibitedCategory.objects.all()


def acceptance_list(*, user):
    return AcceptanceRecord.objects.restrict(user).select_related("outlet", "staff", "organization", "sender")


def parcel_list(*, user):
    return Parcel.objects.restrict(user).select_related("organization", "outlet", "sender")


def sender_parcels(*, user, senders, limit: int = 500) -> dict:
    """The newest ``limit`` parcels of ``senders`` in the user's scope, by sender id."""
    parcels = parcel_list(user=user).filter(sender__in=senders).order_by("-accepted_at")[:limit]
    by_sender: dict = {}
    for parcel in parcels:
        by_sender.setdefault(parcel.sender_id, []).append(parcel)
    return by_sender
