"""Senders (data subjects, deduplicated by their identity document), real-name verifications, the blacklist."""
from __future__ import annotations

import uuid
from functools import cached_property

from django.db import models
from django.utils import timezone

from apps.common.fields import BlindIndexField, EncryptedTextField
from apps.common.scoping import NOTHING, RestrictedQuerySet, Scope, TerritoryRows
from apps.organizations.models import identity_normalizer, phone_normalizer
from greenshield import masking
from greenshield.enums import BlacklistSubject, Role, SenderKind, VerificationMethod, choices
from greenshield.identity import IdType


class Sender(models.Model):
    """One person (or organisation, through its responsible person's document) who sends parcels. Deduplicated
    by the blind index of id_type + id_number; name, ID number, phone and address are encrypted. A user sees a
    sender through the sender's acceptance attempts in the user's scope."""

    scoped_by = Scope(via="acceptances")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=choices(SenderKind), default=SenderKind.PERSON)
    name = EncryptedTextField()
    id_type = models.CharField(max_length=20, choices=choices(IdType))
    id_number = EncryptedTextField()
    id_number_index = BlindIndexField(source="id_number", index="identity", normalizer=identity_normalizer)
    phone = EncryptedTextField()
    phone_index = BlindIndexField(source="phone", index="phone", normalizer=phone_normalizer)
    address = EncryptedTextField()
    # Organisation senders [R2]: the unified social credit code and name are business data, kept in clear.
    uscc = models.CharField("unified social credit code", max_length=18, blank=True, db_index=True)
    organization_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self):
        return f"{self.masked['name']} ({self.id_type} {self.masked['id_number']})"

    @cached_property
    def masked(self) -> dict:
        return {
            "kind": self.kind,
            "name": masking.mask_name(self.name),
            "id_type": self.id_type,
            "id_number": masking.mask_id_number(self.id_number),
            "phone": masking.mask_phone(self.phone),
            "address": masking.mask_address(self.address),
            "organization_name": self.organization_name,
            "uscc": self.uscc,
        }

    @property
    def unmasked(self) -> dict:
        return {"kind": self.kind, "name": self.name, "id_type": self.id_type, "id_number": self.id_number,
                "phone": self.phone, "address": self.address, "organization_name": self.organization_name,
                "uscc": self.uscc}


class Verification(models.Model):
    """The real-name check of one acceptance attempt [R2]: how, by whom, when, and whether the person matched."""

    scoped_by = Scope(organization="acceptance__organization", facility="acceptance__outlet",
                      territory=("acceptance__outlet__province", TerritoryRows("territories", "acceptance__parcel")))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="verifications")
    acceptance = models.OneToOneField("parcels.AcceptanceRecord", on_delete=models.PROTECT,
                                      related_name="verification")
    method = models.CharField(max_length=24, choices=choices(VerificationMethod))
    identity_matched = models.BooleanField()
    verified_by = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, related_name="verifications")
    verified_at = models.DateTimeField()
    contract_customer = models.BooleanField(default=False, help_text="[R6] exempt by a signed safety agreement")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-verified_at"]

    def __str__(self):
        return f"{self.method} matched={self.identity_matched}"


class BlacklistScope(Scope):
    """Region-wide entries (a regulator's) bind every company, so every regulator and supervisor sees them; a
    company's own entries are seen by its supervisors and the regulator of its province."""

    def q_for_role(self, user, model=None):
        regional = models.Q(organization__isnull=True)
        if user.role == Role.REGULATOR and user.province:
            return regional | models.Q(organization__province=user.province)
        if user.role == Role.SUPERVISOR and user.organization_id:
            return regional | models.Q(organization=user.organization_id)
        return NOTHING


class BlacklistEntryQuerySet(RestrictedQuerySet):
    def in_force(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=at))


class BlacklistEntry(models.Model):
    """A sender or staff member barred from the network [R15]. A regulator's entry (``province`` set) applies
    across the whole region; a supervisor's (``organization`` set) within that company. No plaintext is kept."""

    scoped_by = BlacklistScope(organization=None)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.CharField(max_length=8, choices=choices(BlacklistSubject))
    id_type = models.CharField(max_length=20, choices=choices(IdType), blank=True)
    id_number = EncryptedTextField()
    id_number_index = BlindIndexField(source="id_number", index="identity", normalizer=identity_normalizer)
    staff = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="blacklist_entries")
    reason = models.TextField()
    valid_until = models.DateTimeField(null=True, blank=True)
    province = models.CharField(max_length=6, blank=True, help_text="Set for a regulator's (region-wide) entry.")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="blacklist_entries", help_text="Set for a company's own entry.")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = BlacklistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "blacklist entries"
        constraints = [
            models.CheckConstraint(
                name="blacklist_issuer_is_province_or_company",
                condition=(models.Q(province="") & models.Q(organization__isnull=False))
                | (~models.Q(province="") & models.Q(organization__isnull=True)),
            ),
        ]

    def __str__(self):
        who = self.staff.employee_no if self.staff_id else f"{self.id_type} {masking.mask_id_number(self.id_number)}"
        return f"{self.subject} {who}"

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)
