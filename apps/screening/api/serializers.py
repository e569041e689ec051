from __future__ import annotations

from rest_framework import serializers

from greenshield.enums import ResolutionResult, ScreeningResult, choices


class ScreeningInputSerializer(serializers.Serializer):
    waybill_no = serializers.CharField(max_length=32)
    facility = serializers.CharField(max_length=32, help_text="Code of the hub where the parcel was screened.")
    machine_id = serializers.CharField(max_length=64)
    operator = serializers.CharField(
        max_length=32, required=False, allow_null=True, allow_blank=True,
        help_text="employee_no of the X-ray operator: required for a scanner; for an account optional, and if given "
                  "it must be the account's own (403 operator_mismatch).")
    result = serializers.ChoiceField(choices=choices(ScreeningResult))
    image_ref = serializers.CharField(max_length=300)
    image_sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of the X-ray image, hex.")
    screened_at = serializers.DateTimeField()

    def validate_image_sha256(self, value):
        return value.lower()

    def validate_waybill_no(self, value):
        return value.strip().upper()


class ScreeningOutputSerializer(serializers.Serializer):
    """A recorded screening and where it leaves the parcel."""

    id = serializers.UUIDField()
    waybill_no = serializers.CharField(source="parcel.waybill_no")
    result = serializers.CharField()
    parcel_status = serializers.CharField(source="parcel.status")
    screening_status = serializers.CharField(source="parcel.screening_status")


class ResolutionInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=choices(ResolutionResult))
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResolutionOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    screening = serializers.UUIDField(source="screening_id")
    waybill_no = serializers.CharField(source="screening.parcel.waybill_no")
    result = serializers.CharField()
    notes = serializers.CharField()
    resolved_by = serializers.CharField(source="resolved_by.username")
    staff = serializers.CharField(source="staff.employee_no", default=None, allow_null=True,
                                  help_text="employee_no of the staff member who opened the box")
    resolved_at = serializers.DateTimeField()
    authority_report_ref = serializers.CharField(allow_blank=True)
    parcel_status = serializers.CharField(source="screening.parcel.status")
