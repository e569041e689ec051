"""Parcels and every acceptance attempt (accepted or refused), with items, inspection and recipient."""
from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from apps.common.fields import EncryptedTextField
from greenshield import masking
from greenshield.enums import InspectionResult, Outcome, ParcelStatus, RefusalReason, ScreeningStatus, choices

waybill_validator = RegexValidator(r"^[A-Z0-9]{8,32}$", "A waybill number is 8–32 upper-case letters or digits.",
                                   code="invalid_waybill")


class ProhibitedCategory(models.Model):
    """The 19 categories of the prohibited-items guidance catalogue [R10] (fixtures/prohibited_items.json)."""

    code = models.CharField(max_length=4, primary_key=True)
    name = models.CharField(max_length=200)
    examples = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "prohibited categories"

    def __str__(self):
        return f"{self.code} {self.name}"


class AcceptanceRecord(models.Model):
    """One acceptance attempt at an outlet, stored whatever its outcome [R5][R8]. Recipient personal data is
    encrypted; the region code is kept in clear for routing and statistics."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    waybill_no = models.CharField(max_length=32, blank=True, db_index=True,
                                  help_text="The waybill of the accepted parcel; for a refusal, the one presented.")
    outcome = models.CharField(max_length=8, choices=choices(Outcome), db_index=True)
    refusal_reason = models.CharField(max_length=24, choices=choices(RefusalReason), blank=True, db_index=True)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    outlet = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, related_name="acceptances")
    staff = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, related_name="acceptances")
    account = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey("senders.Sender", on_delete=models.PROTECT, related_name="acceptances")
    # The sender's contact details as given at this attempt [R1]: the Sender keeps only the latest ones.
    given_sender_name = EncryptedTextField()
    given_sender_phone = EncryptedTextField()
    given_sender_address = EncryptedTextField()
    given_sender_organization_name = models.CharField(max_length=200, blank=True)
    given_sender_uscc = models.CharField(max_length=18, blank=True)
    recipient_name = EncryptedTextField()
    recipient_phone = EncryptedTextField()
    recipient_address = EncryptedTextField()
    recipient_region_code = models.CharField(max_length=6)
    weight_g = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["outlet", "recorded_at"]), models.Index(fields=["staff", "recorded_at"])]

    def __str__(self):
        return f"{self.waybill_no or '(no waybill)'} {self.outcome}"

    def _sender_fields(self) -> dict:
        """The sender as at this attempt: identity from the Sender, contact details from the snapshot."""
        sender = self.sender
        return {"kind": sender.kind, "name": self.given_sender_name, "id_type": sender.id_type,
                "id_number": sender.id_number, "phone": self.given_sender_phone, "address": self.given_sender_address,
                "organization_name": self.given_sender_organization_name, "uscc": self.given_sender_uscc}

    @property
    def masked_sender(self) -> dict:
        fields = self._sender_fields()
        return {**fields, "name": masking.mask_name(fields["name"]), "id_number": masking.mask_id_number(fields["id_number"]),
                "phone": masking.mask_phone(fields["phone"]), "address": masking.mask_address(fields["address"])}

    @property
    def unmasked_sender(self) -> dict:
        return self._sender_fields()

    @property
    def masked_recipient(self) -> dict:
        return {"name": masking.mask_name(self.recipient_name), "phone": masking.mask_phone(self.recipient_phone),
                "address": masking.mask_address(self.recipient_address), "region_code": self.recipient_region_code}

    @property
    def unmasked_recipient(self) -> dict:
        return {"name": self.recipient_name, "phone": self.recipient_phone, "address": self.recipient_address,
                "region_code": self.recipient_region_code}


class AcceptanceItem(models.Model):
    acceptance = models.ForeignKey(AcceptanceRecord, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    prohibited_category = models.ForeignKey(ProhibitedCategory, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


class Inspection(models.Model):
    """Inspection at acceptance (收寄验视) [R8]: who, when, sender present, result."""

    acceptance = models.OneToOneField(AcceptanceRecord, on_delete=models.CASCADE, related_name="inspection")
    inspector = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, related_name="inspections")
    inspected_at = models.DateTimeField()
    sender_present = models.BooleanField()
    result = models.CharField(max_length=20, choices=choices(InspectionResult))
    notes = models.TextField(blank=True)
    safety_certificate_ref = models.CharField(max_length=100, blank=True,
                                              help_text="[R9] certificate that makes an unconfirmable item acceptable")

    def __str__(self):
        return f"inspection {self.result}"

    @property
    def passed(self) -> bool:
        return self.result == InspectionResult.PASS or bool(
            self.result == InspectionResult.UNCONFIRMABLE and self.safety_certificate_ref)


class Parcel(models.Model):
    """An accepted parcel: the head of its trace chain. Refused attempts never become parcels, so their waybill
    cannot be used."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    waybill_no = models.CharField(max_length=32, unique=True, validators=[waybill_validator])
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="parcels")
    outlet = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, related_name="parcels")
    acceptance = models.OneToOneField(AcceptanceRecord, on_delete=models.PROTECT, related_name="parcel")
    sender = models.ForeignKey("senders.Sender", on_delete=models.PROTECT, related_name="parcels")
    status = models.CharField(max_length=20, choices=choices(ParcelStatus), default=ParcelStatus.ACCEPTED,
                              db_index=True)
    screening_status = models.CharField(max_length=10, choices=choices(ScreeningStatus),
                                        default=ScreeningStatus.PENDING, db_index=True)
    status_before_hold = models.CharField(max_length=20, blank=True,
                                          help_text="The status to return to when a re-check clears the hold.")
    accepted_at = models.DateTimeField(db_index=True)
    status_since = models.DateTimeField(null=True, blank=True,
                                        help_text="When the scan that set the current status occurred.")
    contract_customer = models.BooleanField(default=False, help_text="[R6] real-name check exempt by agreement")
    chain_length = models.PositiveIntegerField(default=0)
    chain_head = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-accepted_at"]
        indexes = [models.Index(fields=["organization", "accepted_at"]),
                   models.Index(fields=["screening_status", "accepted_at"])]

    def __str__(self):
        return self.waybill_no
