from __future__ import annotations

from rest_framework import serializers

from apps.common.serializers import ID_TYPE_CHOICES, PhoneField, PlateField, validate_identity

from ..models import (
    Facility,
    Organization,
    Staff,
    Vehicle,
    default_waybill_prefix,
    ensure_facility_of,
    ensure_waybill_space_free,
)


class OrganizationSerializer(serializers.ModelSerializer):
    waybill_prefix = serializers.RegexField(r"^[A-Z0-9]{1,8}$", required=False, allow_blank=True,
                                            help_text="Every waybill of the company starts with it (default: from "
                                                      "the code); no company's prefix may start another's.")

    class Meta:
        model = Organization
        fields = ["code", "name", "license_no", "province", "waybill_prefix"]

    def validate(self, attrs):
        code = attrs.get("code", getattr(self.instance, "code", ""))
        prefix = attrs.get("waybill_prefix", getattr(self.instance, "waybill_prefix", "")) or ""
        ensure_waybill_space_free(code=code, waybill_prefix=prefix, exclude_pk=getattr(self.instance, "pk", None))
        attrs["waybill_prefix"] = prefix or default_waybill_prefix(code)
        return attrs

    def to_representation(self, instance):
        return {**super().to_representation(instance), "waybill_prefix": instance.waybill_space}


class FacilitySerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())

    class Meta:
        model = Facility
        fields = ["code", "name", "kind", "organization", "region_code", "address"]


class MaskedOnRead:
    """A personal-data field written in clear and read back only masked (the model's ``masked_<name>``), so the
    schema shows one string field for both directions, as the API answers."""

    def get_attribute(self, instance):
        return getattr(instance, f"masked_{self.field_name}")


class MaskedCharField(MaskedOnRead, serializers.CharField):
    pass


class MaskedPhoneField(MaskedOnRead, PhoneField):
    pass


class StaffSerializer(serializers.ModelSerializer):
    """Staff records. Name, ID number and phone are written in clear over TLS, stored encrypted, and only ever
    read back masked."""

    organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())
    facility = serializers.SlugRelatedField(slug_field="code", queryset=Facility.objects.all(), required=False,
                                            allow_null=True)
    name = MaskedCharField(max_length=64, help_text="Written in clear; read back masked.")
    id_type = serializers.ChoiceField(choices=ID_TYPE_CHOICES)
    id_number = MaskedCharField(max_length=40, help_text="Written in clear; read back masked.")
    phone = MaskedPhoneField(help_text="Written in clear; read back masked.")

    class Meta:
        model = Staff
        fields = ["employee_no", "organization", "facility", "name", "id_type", "id_number", "phone", "status"]

    def validate(self, attrs):
        if self.instance is not None and "id_number" in attrs and "id_type" not in attrs:
            attrs["id_type"] = self.instance.id_type
        if self.instance is not None and "id_type" in attrs and "id_number" not in attrs:
            attrs["id_number"] = self.instance.id_number
        attrs = validate_identity(attrs)
        ensure_facility_of(attrs.get("facility", getattr(self.instance, "facility", None)),
                           attrs.get("organization") or getattr(self.instance, "organization", None))
        return attrs


class VehicleSerializer(serializers.ModelSerializer):
    plate = PlateField()
    organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())

    class Meta:
        model = Vehicle
        fields = ["plate", "organization", "kind"]

    def validate_plate(self, value):
        existing = Vehicle.objects.filter(plate=value)
        if self.instance is not None:
            existing = existing.exclude(pk=self.instance.pk)
        if existing.exists():
            raise serializers.ValidationError("A vehicle with this plate exists.", code="unique")
        return value
