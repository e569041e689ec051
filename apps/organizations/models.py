"""Reference data: express companies, their facilities, staff and vehicles."""
from __future__ import annotations

import re
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Concat, Substr

from apps.common.fields import BlindIndexField, EncryptedTextField
from apps.common.scoping import RestrictedQuerySet, Scope, TerritoryRows
from greenshield import masking
from greenshield.enums import PROVINCE_NAMES, FacilityKind, Province, StaffStatus, VehicleKind
from greenshield.errors import ValidationFailed
from greenshield.identity import IdType, identity_index_value, normalize_phone
from greenshield.plates import PLATE_PROVINCES, InvalidPlate, normalize_plate

code_validator = RegexValidator(r"^[A-Z0-9][A-Z0-9_-]{1,31}$", "Codes are 2–32 upper-case letters, digits, '-' or '_'.")
region_code_validator = RegexValidator(r"^\d{6}$", "A GB/T 2260 region code has 6 digits.")


def default_waybill_prefix(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())[:8]


def ensure_waybill_space_free(*, code: str, waybill_prefix: str, exclude_pk=None) -> None:
    """No company's waybill prefix may start another's (``waybill_prefix_conflict`` otherwise)."""
    mine = waybill_prefix or default_waybill_prefix(code)
    for other in Organization.objects.exclude(pk=exclude_pk).only("code", "waybill_prefix"):
        theirs = other.waybill_space
        if mine.startswith(theirs) or theirs.startswith(mine):
            raise ValidationFailed(f"Waybill prefix {mine} overlaps {other.code}'s ({theirs}).",
                                   code="waybill_prefix_conflict", attr="waybill_prefix")


def ensure_facility_of(facility, organization, *, attr: str = "facility") -> None:
    """A facility named with a company must be one of that company's (``facility_mismatch`` otherwise)."""
    if facility is not None and organization is not None and facility.organization_id != organization.pk:
        raise ValidationFailed("The facility belongs to another company.", code="facility_mismatch", attr=attr)


def identity_normalizer(instance, plain: str) -> str:
    return identity_index_value(instance.id_type, plain)


def phone_normalizer(instance, plain: str) -> str:
    return normalize_phone(plain)


class Organization(models.Model):
    """An express company (快递企业), addressed by its code (e.g. ZTO)."""

    # Regulators see the companies registered in their province and those operating a facility there.
    scoped_by = Scope(organization="pk", territory=(
        "province", lambda provinces: models.Q(pk__in=Facility.objects.filter(province__in=provinces)
                                               .values("organization"))))

    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    license_no = models.CharField("express business licence no.", max_length=64, blank=True)
    province = models.CharField(max_length=6, choices=[(p.value, PROVINCE_NAMES[p]) for p in Province])
    # Every waybill of the company starts with it, and no company's prefix starts another's: waybill spaces never
    # overlap, so no answer can tell one company whether another's waybill exists.
    waybill_prefix = models.CharField(max_length=8, blank=True, validators=[
        RegexValidator(r"^[A-Z0-9]{1,8}$", "1–8 upper-case letters or digits.")],
        help_text="Every waybill number of the company starts with it; blank: from the company code.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "express company"
        verbose_name_plural = "express companies"

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def waybill_space(self) -> str:
        """The prefix every waybill of the company carries."""
        return self.waybill_prefix or default_waybill_prefix(self.code)

    def clean(self):
        try:
            ensure_waybill_space_free(code=self.code, waybill_prefix=self.waybill_prefix, exclude_pk=self.pk)
        except ValidationFailed as exc:
            raise ValidationError({exc.attr: exc.detail}) from None


class Facility(models.Model):
    """An outlet (营业网点), hub (分拨中心) or station of a company."""

    scoped_by = Scope(facility="pk", territory=("province",))

    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=[(k.value, k.value.title()) for k in FacilityKind])
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="facilities")
    region_code = models.CharField(max_length=6, validators=[region_code_validator])
    # Jurisdiction is territorial: the province whose regulator supervises what happens here (GB/T 2260).
    province = models.GeneratedField(expression=Concat(Substr("region_code", 1, 2), models.Value("0000")),
                                     output_field=models.CharField(max_length=6), db_persist=True, db_index=True)
    address = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "facilities"

    def __str__(self):
        return f"{self.code} {self.name}"


class Staff(models.Model):
    """A member of staff (从业人员); couriers are staff. Name, ID number and phone are encrypted."""

    scoped_by = Scope(facility="facility", territory=(
        "facility__province", lambda provinces: models.Q(facility__isnull=True, organization__province__in=provinces)))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employee_no = models.CharField(max_length=32, unique=True, validators=[code_validator])
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="staff")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="staff", null=True, blank=True)
    name = EncryptedTextField()
    id_type = models.CharField(max_length=20, choices=[(t.value, t.value) for t in IdType])
    id_number = EncryptedTextField()
    id_number_index = BlindIndexField(source="id_number", index="identity", normalizer=identity_normalizer)
    phone = EncryptedTextField()
    phone_index = BlindIndexField(source="phone", index="phone", normalizer=phone_normalizer)
    status = models.CharField(max_length=16, choices=[(s.value, s.value.title()) for s in StaffStatus],
                              default=StaffStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["employee_no"]
        verbose_name_plural = "staff"

    def __str__(self):
        return f"{self.employee_no} {self.masked_name}"

    @property
    def masked_name(self) -> str:
        return masking.mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    def clean(self):
        try:
            ensure_facility_of(self.facility if self.facility_id else None,
                               self.organization if self.organization_id else None)
        except ValidationFailed as exc:
            raise ValidationError({exc.attr: exc.detail}) from None


def validate_plate(value: str):
    try:
        normalize_plate(value)
    except InvalidPlate as exc:
        raise ValidationError(str(exc), code="invalid_plate") from exc


class Vehicle(models.Model):
    """A vehicle of a company, addressed by its plate (e.g. 沪A12345)."""

    # Located where it is registered (its plate) and wherever it was loaded or unloaded.
    scoped_by = Scope(territory=("province", TerritoryRows("territories")))

    plate = models.CharField(max_length=16, unique=True, validators=[validate_plate])
    # Where the vehicle is registered: the province of its plate's first character.
    province = models.GeneratedField(
        expression=models.Case(*(models.When(plate__startswith=char, then=models.Value(code))
                                 for char, code in PLATE_PROVINCES.items()), default=models.Value("")),
        output_field=models.CharField(max_length=6), db_persist=True, db_index=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="vehicles")
    kind = models.CharField(max_length=16, choices=[(k.value, k.value.title()) for k in VehicleKind],
                            default=VehicleKind.TRUCK)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["plate"]

    def __str__(self):
        return self.plate

    def clean(self):
        try:
            self.plate = normalize_plate(self.plate)
        except InvalidPlate as exc:
            raise ValidationError({"plate": str(exc)}) from exc
