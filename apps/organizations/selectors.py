"""Reads of reference data, scoped to the user."""
from __future__ import annotations

from apps.accounts.models import Device
from apps.common.scoping import scope

from .models import Facility, Organization, Staff, Vehicle


def organization_list(*, user):
    return scope(Organization.objects.all(), user, organization="pk", province="province")


def facility_list(*, user):
    return scope(Facility.objects.select_related("organization"), user, facility="pk")


def staff_list(*, user):
    return scope(Staff.objects.select_related("organization", "facility"), user, facility="facility")


def vehicle_list(*, user):
    return scope(Vehicle.objects.select_related("organization"), user)


def device_list(*, user):
    return scope(Device.objects.select_related("organization", "facility"), user, facility="facility")
