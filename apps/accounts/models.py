"""Users with one role each (a group), the scope they act in, and scanner devices with API keys."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from apps.common.scoping import RestrictedQuerySet, Scope
from greenshield.enums import PROVINCE_NAMES, Province, Role


class User(AbstractUser):
    """A person who signs in. Scope attributes say what they may see: a facility (outlet staff, screeners),
    an organization (supervisors, and the employer of outlet staff and screeners) or a province (regulators).
    Accounts themselves are seen and managed by operators only."""

    scoped_by = Scope(operators_only=True)

    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="accounts")
    facility = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="accounts")
    province = models.CharField(max_length=6, blank=True, choices=[(p.value, PROVINCE_NAMES[p]) for p in Province])
    staff = models.OneToOneField("organizations.Staff", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="account", help_text="The staff member this account belongs to.")

    class Meta:
        ordering = ["username"]

    @property
    def role(self) -> Role | None:
        """The account's role: the first role group it belongs to (accounts have one)."""
        cached = getattr(self, "_role_cache", False)
        if cached is not False:
            return cached
        names = set(self.groups.values_list("name", flat=True)) if self.pk else set()
        role = next((r for r in Role if r.value in names), None)
        self._role_cache = role
        return role

    def has_role(self, *roles: Role) -> bool:
        return self.is_active and self.role in roles


#: The longest device serial: the serial is the device's address in URLs and its API key's name.
DEVICE_SERIAL_MAX_LENGTH = 64


class Device(models.Model):
    """A handheld or fixed scanner of a company, at a facility; it posts checkpoint events and reads nothing."""

    scoped_by = Scope(facility="facility", territory=(
        "facility__province", lambda provinces: models.Q(facility__isnull=True, organization__province__in=provinces)))

    serial = models.CharField(max_length=DEVICE_SERIAL_MAX_LENGTH, unique=True)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="devices")
    facility = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, related_name="devices",
                                 null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["serial"]

    def __str__(self):
        return self.serial


class DeviceAPIKeyManager(APIKeyManager):
    def get_usable_keys(self):
        # The device's facility too: a scan batch needs its code and province (one query less a batch).
        return super().get_usable_keys().select_related("device", "device__facility")


class DeviceAPIKey(AbstractAPIKey):
    """Hashed API key of a device (djangorestframework-api-key); the plain key is shown once, on creation."""

    scoped_by = Scope(operators_only=True)

    objects = DeviceAPIKeyManager()

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="api_keys")
    # The library's name holds 50 characters; a key is named after its device, whose serial may be longer.
    name = models.CharField(max_length=DEVICE_SERIAL_MAX_LENGTH, blank=False, default=None,
                            help_text="The serial of the device the key belongs to.")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "device API key"
        verbose_name_plural = "device API keys"
