"""X-ray screenings (过机安检) [R12] and open-box re-checks (开箱复检) of suspect parcels [R13]."""
from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from apps.common.scoping import RestrictedQuerySet, Scope, TerritoryRows
from greenshield.enums import ResolutionResult, ScreeningResult, choices


class Screening(models.Model):
    """One X-ray pass of a parcel at a hub: machine, operator, time, site, result, image [R12]."""

    scoped_by = Scope(organization="facility__organization", facility="facility",
                      territory=(TerritoryRows("territories", "parcel"),))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parcel = models.ForeignKey("parcels.Parcel", on_delete=models.PROTECT, related_name="screenings")
    facility = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, related_name="screenings")
    machine_id = models.CharField(max_length=64)
    operator = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, related_name="screenings")
    result = models.CharField(max_length=12, choices=choices(ScreeningResult), db_index=True)
    image_ref = models.CharField(max_length=300)
    image_sha256 = models.CharField(max_length=64, validators=[RegexValidator(r"^[0-9a-f]{64}$")])
    screened_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=160, help_text="Account or device that recorded it.")
    device = models.ForeignKey("accounts.Device", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-screened_at"]
        indexes = [models.Index(fields=["operator", "screened_at"]), models.Index(fields=["facility", "screened_at"])]

    def __str__(self):
        return f"{self.parcel.waybill_no} {self.result} @ {self.facility.code}"


class Resolution(models.Model):
    """The open-box re-check that ends a hold: cleared, or seized and reported to the authorities [R9]."""

    scoped_by = Scope(organization="screening__facility__organization", facility="screening__facility",
                      territory=(TerritoryRows("territories", "screening__parcel"),))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="resolution")
    result = models.CharField(max_length=8, choices=choices(ResolutionResult))
    notes = models.TextField(blank=True)
    resolved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="resolutions", help_text="The staff member who opened the box.")
    resolved_at = models.DateTimeField(default=timezone.now)
    authority_report_ref = models.CharField(max_length=64, blank=True,
                                            help_text="Reference of the report to the authorities (seizures).")
    reported_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    def __str__(self):
        return f"{self.result} ({self.screening})"
