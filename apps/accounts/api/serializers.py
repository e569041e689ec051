from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.organizations.models import Facility, Organization, ensure_facility_of

from ..models import DEVICE_SERIAL_MAX_LENGTH, Device

DEVICE_SERIAL_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:-]{{0,{DEVICE_SERIAL_MAX_LENGTH - 1}}}")


class DeviceSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())
    facility = serializers.SlugRelatedField(slug_field="code", queryset=Facility.objects.all(), required=False,
                                            allow_null=True)
    api_key = serializers.SerializerMethodField(help_text="The device's API key. Returned once, on creation.")

    class Meta:
        model = Device
        fields = ["serial", "organization", "facility", "description", "is_active", "api_key"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_api_key(self, obj):
        return getattr(obj, "_plain_api_key", None)

    def validate_serial(self, value):
        # The serial is the device's address in URLs (/devices/{serial}/rotate-key/).
        if not DEVICE_SERIAL_RE.fullmatch(value):
            raise serializers.ValidationError("A serial is letters, digits, '.', '_', ':' or '-'.", code="invalid")
        return value

    def validate(self, attrs):
        ensure_facility_of(attrs.get("facility", getattr(self.instance, "facility", None)),
                           attrs.get("organization") or getattr(self.instance, "organization", None))
        return attrs
