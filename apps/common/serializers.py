"""Serializer fields shared by the apps: validated personal-data inputs with the contract's error codes."""
from __future__ import annotations

from rest_framework import serializers

from greenshield import identity
from greenshield.identity import IdType
from greenshield.plates import InvalidPlate, normalize_plate


class PhoneField(serializers.CharField):
    """A phone number, normalised to E.164; ``invalid_phone`` otherwise."""

    default_error_messages = {"invalid_phone": "Not a valid phone number."}  # declares the code in the OpenAPI schema

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return identity.normalize_phone(value)
        except identity.IdentityError as exc:
            raise serializers.ValidationError(exc.detail, code=exc.code) from None


class PlateField(serializers.CharField):
    default_error_messages = {"invalid_plate": InvalidPlate.detail}  # declares the code in the OpenAPI schema

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return normalize_plate(value)
        except InvalidPlate as exc:
            raise serializers.ValidationError(exc.detail, code=exc.code) from None


ID_TYPE_CHOICES = [(t.value, t.value) for t in IdType]


def validate_identity(attrs: dict, *, type_key: str = "id_type", number_key: str = "id_number") -> dict:
    """Normalise ``attrs[number_key]`` for ``attrs[type_key]``; raises with code ``invalid_id_number``."""
    if attrs.get(type_key) and attrs.get(number_key):
        try:
            attrs[number_key] = identity.normalize_id_number(attrs[type_key], attrs[number_key])
        except identity.IdentityError as exc:
            raise serializers.ValidationError({number_key: [serializers.ErrorDetail(exc.detail, code=exc.code)]}) from None
    return attrs
