"""Reads of reference data, scoped to the user."""
from __future__ import annotations

from .models import Facility, Organization, Staff, Vehicle


def organization_list(*, user):
    return Organization.objects.restrict(user)


def facility_list(*, user):
    return Facility.objects.restrict(user).select_related("organization")


def staff_list(*, user):
    return Staff.objects.restrict(user).select_related("organization", "facility")


def vehicle_list(*, user):
    return Vehicle.objects.restrict(user).select_related("organization")
