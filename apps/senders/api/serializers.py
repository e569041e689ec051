from __future__ import annotations

from rest_framework import serializers

from apps.common.serializers import ID_TYPE_CHOICES, validate_identity
from greenshield.enums import BlacklistSubject, choices


class BlacklistInputSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=choices(BlacklistSubject))
    id_type = serializers.ChoiceField(choices=ID_TYPE_CHOICES, required=False)
    id_number = serializers.CharField(max_length=64, required=False, write_only=True)
    employee_no = serializers.CharField(max_length=32, required=False, help_text="STAFF entries may name the employee.")
    reason = serializers.CharField(max_length=1000)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, attrs):
        by_employee = bool(attrs.get("employee_no"))
        if by_employee and attrs["subject"] != BlacklistSubject.STAFF:
            raise serializers.ValidationError({"employee_no": [serializers.ErrorDetail(
                "Only STAFF entries can name an employee.", code="invalid")]})
        if not by_employee:
            for name in ("id_type", "id_number"):
                if not attrs.get(name):
                    raise serializers.ValidationError({name: [serializers.ErrorDetail(
                        "This field is required.", code="required")]})
        return validate_identity(attrs)


class BlacklistEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    subject = serializers.CharField()
    id_type = serializers.CharField(allow_blank=True)
    id_number = serializers.CharField(source="masked_id_number", help_text="Masked.")
    employee_no = serializers.CharField(source="staff.employee_no", default=None, allow_null=True)
    reason = serializers.CharField()
    valid_until = serializers.DateTimeField(allow_null=True)
    scope = serializers.SerializerMethodField()
    province = serializers.CharField(allow_blank=True)
    organization = serializers.CharField(source="organization.code", default=None, allow_null=True)
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)

    def get_scope(self, obj) -> str:
        return "REGION" if obj.province else "COMPANY"


class BlacklistRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
