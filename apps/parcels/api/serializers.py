"""Shapes of the acceptance endpoint. Serializers check form; the service decides."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.serializers import ID_TYPE_CHOICES, PhoneField, validate_identity
from greenshield import identity
from greenshield.enums import InspectionResult, SenderKind, VerificationMethod, choices

from ..models import ProhibitedCategory, waybill_validator


class SenderInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=choices(SenderKind), default=SenderKind.PERSON)
    name = serializers.CharField(max_length=64)
    id_type = serializers.ChoiceField(choices=ID_TYPE_CHOICES)
    id_number = serializers.CharField(max_length=64)
    phone = PhoneField()
    address = serializers.CharField(max_length=300)
    uscc = serializers.CharField(max_length=32, required=False, allow_blank=True, default="",
                                 help_text="Organisation senders: unified social credit code [R2].")
    organization_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        attrs = validate_identity(attrs)
        if attrs["kind"] == SenderKind.ORGANIZATION:
            if not attrs.get("uscc"):
                raise serializers.ValidationError({"uscc": [serializers.ErrorDetail(
                    "Organisation senders need their unified social credit code.", code="required")]})
            try:
                attrs["uscc"] = identity.normalize_uscc(attrs["uscc"])
            except identity.IdentityError as exc:
                raise serializers.ValidationError(
                    {"uscc": [serializers.ErrorDetail(exc.detail, code=exc.code)]}) from None
            if not attrs.get("organization_name"):
                raise serializers.ValidationError({"organization_name": [serializers.ErrorDetail(
                    "Organisation senders need their registered name.", code="required")]})
        return attrs


class RecipientInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    phone = PhoneField()
    address = serializers.CharField(max_length=300)
    region_code = serializers.RegexField(r"^\d{6}$", help_text="GB/T 2260 code of the destination district.")


class ItemInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    prohibited_category = serializers.CharField(max_length=4, allow_null=True, required=False, default=None,
                                                help_text="Code from /api/v1/prohibited-categories/ if declared.")


class VerificationInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=choices(VerificationMethod))
    identity_matched = serializers.BooleanField()


class InspectionInputSerializer(serializers.Serializer):
    sender_present = serializers.BooleanField()
    result = serializers.ChoiceField(choices=choices(InspectionResult))
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    safety_certificate_ref = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                                   help_text="[R9] makes an UNCONFIRMABLE item acceptable.")


class AcceptanceInputSerializer(serializers.Serializer):
    waybill_no = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True,
                                       help_text="The client's waybill number; omit to have one assigned.")
    sender = SenderInputSerializer()
    recipient = RecipientInputSerializer()
    items = ItemInputSerializer(many=True)
    weight_g = serializers.IntegerField(min_value=1, max_value=1_000_000)
    verification = VerificationInputSerializer()
    inspection = InspectionInputSerializer()

    def validate_waybill_no(self, value):
        value = (value or "").strip().upper() or None
        if value:
            waybill_validator(value)  # after normalising, so a lower-case waybill is the same waybill
        return value

    def validate_items(self, value):
        if not value:
            raise serializers.ValidationError("At least one item is required.", code="required")
        return value


class MaskedPersonSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False)
    name = serializers.CharField()
    id_type = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False)
    phone = serializers.CharField()
    address = serializers.CharField()
    region_code = serializers.CharField(required=False)


class ControlsSerializer(serializers.Serializer):
    inspection = serializers.ChoiceField(choices=["PASSED", "FAILED"])
    real_name = serializers.ChoiceField(choices=["VERIFIED", "FAILED"])
    screening = serializers.ChoiceField(choices=["PENDING", "NOT_APPLICABLE"])


class AcceptanceOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    waybill_no = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=["ACCEPTED", "REFUSED"])
    refusal_reason = serializers.CharField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    outlet = serializers.CharField()
    accepted_by = serializers.CharField(help_text="employee_no of the accepting staff member")
    sender = MaskedPersonSerializer()
    recipient = MaskedPersonSerializer()
    controls = ControlsSerializer()


_TIME = serializers.DateTimeField()


def acceptance_representation(record) -> dict:
    accepted = record.outcome == "ACCEPTED"
    inspection = record.inspection
    verification = record.verification
    return {
        "id": str(record.pk),
        "waybill_no": record.waybill_no or None,
        "outcome": record.outcome,
        "refusal_reason": record.refusal_reason or None,
        "accepted_at": _TIME.to_representation(record.recorded_at) if accepted else None,
        "recorded_at": _TIME.to_representation(record.recorded_at),
        "outlet": record.outlet.code,
        "accepted_by": record.staff.employee_no,
        "sender": {k: v for k, v in record.masked_sender.items() if k in {"kind", "name", "id_type", "id_number",
                                                                          "phone", "address"}},
        "recipient": record.masked_recipient,
        "controls": {
            "inspection": "PASSED" if inspection.passed else "FAILED",
            "real_name": "VERIFIED" if verification.identity_matched else "FAILED",
            "screening": "PENDING" if accepted else "NOT_APPLICABLE",
        },
    }


class ProhibitedCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProhibitedCategory
        fields = ["code", "name", "examples"]


class SenderSearchInputSerializer(serializers.Serializer):
    id_type = serializers.ChoiceField(choices=ID_TYPE_CHOICES, required=False)
    id_number = serializers.CharField(max_length=64, required=False)
    phone = PhoneField(required=False)
    reason = serializers.CharField(max_length=1000, min_length=5, help_text="Why you search (audited).")

    def validate(self, attrs):
        if attrs.get("id_number"):
            if not attrs.get("id_type"):
                raise serializers.ValidationError({"id_type": [serializers.ErrorDetail(
                    "This field is required.", code="required")]})
            return validate_identity(attrs)
        if not attrs.get("phone"):
            raise serializers.ValidationError({"non_field_errors": [serializers.ErrorDetail(
                "Search by id_type and id_number, or by phone.", code="required")]})
        return attrs


class SenderParcelSerializer(serializers.Serializer):
    waybill_no = serializers.CharField()
    status = serializers.CharField()
    outlet = serializers.CharField(source="outlet.code")
    accepted_at = serializers.DateTimeField()


class SenderFoundSerializer(serializers.Serializer):
    """A sender found by a search, masked, with their parcels in the searcher's scope."""

    id = serializers.UUIDField(source="pk")
    kind = serializers.CharField()
    name = serializers.CharField(source="masked.name", help_text="Masked.")
    id_type = serializers.CharField()
    id_number = serializers.CharField(source="masked.id_number", help_text="Masked.")
    phone = serializers.CharField(source="masked.phone", help_text="Masked.")
    address = serializers.CharField(source="masked.address", help_text="Masked.")
    organization_name = serializers.CharField(allow_blank=True)
    uscc = serializers.CharField(allow_blank=True)
    parcels = serializers.SerializerMethodField()

    @extend_schema_field(SenderParcelSerializer(many=True))
    def get_parcels(self, sender) -> list:
        return SenderParcelSerializer(self.context["parcels_by_sender"].get(sender.pk, []), many=True).data


class SenderSearchResultSerializer(serializers.Serializer):
    results = SenderFoundSerializer(many=True)
