"""Parcels and every acceptance attempt (accepted or refused), with items, inspection and recipient."""
from __future__ import annotations

import json
import uuid

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from apps.common.fields import BlindIndexField, EncryptedTextField
from apps.common.scoping import RestrictedQuerySet, Scope, TerritoryRows
from apps.organizations.models import phone_normalizer
from greenshield import masking, rules
from greenshield.enums import (
    EventType,
    InspectionResult,
    Outcome,
    ParcelStatus,
    RefusalReason,
    ScreeningStatus,
    choices,
)
from greenshield.ids import uuid7

waybill_validator = RegexValidator(r"^[A-Z0-9]{8,32}$", "A waybill number is 8–32 upper-case letters or digits.",
                                   code="invalid_waybill")


class ProhibitedCategory(models.Model):
    """The 19 categories of the prohibited-items guidance catalogue [R10] (fixtures/prohibited_items.json)."""

    scoped_by = Scope(public=True)

    code = models.CharField(max_length=4, primary_key=True)
    name = models.CharField(max_length=200)
    examples = models.TextField(blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "prohibited categories"

    def __str__(self):
        return f"{self.code} {self.name}"


class AcceptanceRecord(models.Model):
    """One acceptance attempt at an outlet, stored whatever its outcome [R5][R8]. Recipient personal data is
    encrypted; the region code is kept in clear for routing and statistics."""

    # A refused attempt belongs to its outlet's province; an accepted one also to every province its parcel's
    # trace passes through (tracing needs the whole chain).
    scoped_by = Scope(facility="outlet", territory=("outlet__province", TerritoryRows("territories", "parcel")))

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
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
    # Phone search finds a sender by any phone given on an acceptance in the searcher's scope [R16].
    given_sender_phone_index = BlindIndexField(source="given_sender_phone", index="phone",
                                               normalizer=phone_normalizer)
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

    objects = RestrictedQuerySet.as_manager()

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


ACCEPTANCE_TERRITORY = ("acceptance__outlet__province", TerritoryRows("territories", "acceptance__parcel"))


class AcceptanceItem(models.Model):
    scoped_by = Scope(organization="acceptance__organization", facility="acceptance__outlet",
                      territory=ACCEPTANCE_TERRITORY)

    acceptance = models.ForeignKey(AcceptanceRecord, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    prohibited_category = models.ForeignKey(ProhibitedCategory, on_delete=models.PROTECT, null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


class Inspection(models.Model):
    """Inspection at acceptance (收寄验视) [R8]: who, when, sender present, result."""

    scoped_by = Scope(organization="acceptance__organization", facility="acceptance__outlet",
                      territory=ACCEPTANCE_TERRITORY)

    acceptance = models.OneToOneField(AcceptanceRecord, on_delete=models.CASCADE, related_name="inspection")
    inspector = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, related_name="inspections")
    inspected_at = models.DateTimeField()
    sender_present = models.BooleanField()
    result = models.CharField(max_length=20, choices=choices(InspectionResult))
    notes = models.TextField(blank=True)
    safety_certificate_ref = models.CharField(max_length=100, blank=True,
                                              help_text="[R9] certificate that makes an unconfirmable item acceptable")

    objects = RestrictedQuerySet.as_manager()

    def __str__(self):
        return f"inspection {self.result}"

    @property
    def passed(self) -> bool:
        return rules.inspection_passed(result=self.result, safety_certificate_ref=self.safety_certificate_ref)


class Parcel(models.Model):
    """An accepted parcel: the head of its trace chain. Refused attempts never become parcels, so their waybill
    cannot be used. A regulator sees a parcel (with its whole trace) once any of its links happened at a facility
    of their province (``ParcelTerritory``)."""

    scoped_by = Scope(facility="outlet", territory=(TerritoryRows("territories"),))

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    waybill_no = models.CharField(max_length=32, unique=True, validators=[waybill_validator])
    # Every index here is written by each chain move that changes the status (no HOT update then): those that
    # another index leads with are left out — organization and screening_status lead the composite ones below.
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="parcels",
                                     db_index=False)
    outlet = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, related_name="parcels")
    acceptance = models.OneToOneField(AcceptanceRecord, on_delete=models.PROTECT, related_name="parcel")
    sender = models.ForeignKey("senders.Sender", on_delete=models.PROTECT, related_name="parcels")
    status = models.CharField(max_length=20, choices=choices(ParcelStatus), default=ParcelStatus.ACCEPTED,
                              db_index=True)
    screening_status = models.CharField(max_length=10, choices=choices(ScreeningStatus),
                                        default=ScreeningStatus.PENDING)
    status_before_hold = models.CharField(max_length=20, blank=True,
                                          help_text="The status to return to when a re-check clears the hold.")
    accepted_at = models.DateTimeField(db_index=True)
    status_since = models.DateTimeField(null=True, blank=True,
                                        help_text="When the scan that set the current status occurred.")
    contract_customer = models.BooleanField(default=False, help_text="[R6] real-name check exempt by agreement")
    chain_length = models.PositiveIntegerField(default=0)
    chain_head = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-accepted_at"]
        indexes = [models.Index(fields=["organization", "accepted_at"]),
                   models.Index(fields=["screening_status", "accepted_at"])]

    def __str__(self):
        return self.waybill_no


class LinkQuerySet(RestrictedQuerySet):
    def of_parcel(self, parcel: Parcel):
        """The parcel's links, naming the partition key too, so that only the parcel's partition is read."""
        return self.filter(parcel_id=parcel.pk, parcel_accepted_at=parcel.accepted_at)


class CheckpointEvent(models.Model):
    """One link of a parcel's trace chain: the acceptance, the inspection, screenings and re-checks recorded by
    the services, and the scans devices post. ``hash = SHA-256(prev_hash ‖ canonical content)``
    (``greenshield.chain.link_content``). The table keeps its original name from when it lived in ``tracking``."""

    scoped_by = Scope(organization="parcel__organization", facility="parcel__outlet",
                      territory=(TerritoryRows("territories", "parcel"),))

    id = models.BigAutoField(primary_key=True)
    # Exactly once per company: a device's event id is unique within its company (the parcel's), so no answer
    # tells one company whether another company's event id exists.
    event_id = models.UUIDField(default=uuid.uuid4)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+",
                                     db_index=False)
    # Foreign keys carry no single-column index of their own: the composite indexes below lead with them.
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="events", db_index=False)
    # The parcel's acceptance time, copied at insert: the partition key (``apps.common.partitions``), so that a
    # parcel's links share one monthly partition and its trace, naming it, reads only that one.
    parcel_accepted_at = models.DateTimeField(
        help_text="The parcel's acceptance time: the partition key (a parcel's links share one partition).")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=20, choices=choices(EventType))
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    facility = models.ForeignKey("organizations.Facility", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", db_index=False)
    vehicle = models.ForeignKey("organizations.Vehicle", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", db_index=False)
    courier = models.ForeignKey("organizations.Staff", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", db_index=False, help_text="The staff member responsible for this link.")
    device = models.ForeignKey("accounts.Device", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_index=False)
    actor = models.CharField(max_length=160, blank=True, help_text="Account or device that recorded the link.")
    location = models.JSONField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    content_digest = models.CharField(max_length=64, blank=True)
    # The chain's salted commitment to the link's personal part (``LinkPersonalData``); empty when it has none.
    personal_digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = LinkQuerySet.as_manager()

    class Meta:
        db_table = "tracking_checkpointevent"
        ordering = ["parcel", "seq"]
        # A partitioned table's unique constraints hold its partition key. (parcel, seq) stays unique (the key
        # follows the parcel); (organization, event_id) is unique per partition here and across partitions by the
        # capture's check under a per-event-id lock (apps.tracking.ingest).
        constraints = [models.UniqueConstraint(fields=["parcel", "seq", "parcel_accepted_at"],
                                               name="one_link_per_position"),
                       models.UniqueConstraint(fields=["organization", "event_id", "parcel_accepted_at"],
                                               name="event_id_once_per_company")]
        indexes = [
            models.Index(fields=["courier", "occurred_at"], name="tracking_ch_courier_58c4e7_idx"),
            models.Index(fields=["vehicle", "occurred_at"], name="tracking_ch_vehicle_194dec_idx"),
            models.Index(fields=["facility", "occurred_at"], name="tracking_ch_facilit_42e6c2_idx"),
            models.Index(fields=["device", "recorded_at"], name="tracking_ch_device__5fcb5b_idx"),
            # EPCIS queries and subscriptions page through links in record-time order (a cursor, ties by id).
            models.Index(fields=["recorded_at", "id"], name="tracking_ch_recorded_idx"),
        ]

    def __str__(self):
        return f"{self.type} #{self.seq}"


class LinkPersonalData(models.Model):
    """The personal part of a chain link — the location of a last-mile scan (``EventType.meta.personal_location``:
    the recipient's doorstep) — encrypted and bound to this row, with the random salt of the link's
    ``personal_digest``. Kept apart from the link so that retention can erase value and salt (the only update the
    database allows here, besides key rotation re-encrypting them) while the chain still verifies."""

    scoped_by = Scope(organization="event__parcel__organization", facility="event__parcel__outlet",
                      territory=(TerritoryRows("territories", "event__parcel"),))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No database constraint: a partitioned table has no unique id alone to reference; the capture writes the
    # link and its personal part in one transaction.
    event = models.OneToOneField(CheckpointEvent, on_delete=models.PROTECT, related_name="personal",
                                 db_constraint=False)
    # Its link's partition key: the personal part lives in the link's month and goes with it (apps.common.partitions).
    parcel_accepted_at = models.DateTimeField(
        help_text="The link's partition key (its parcel's acceptance time): kept and dropped with its link's month.")
    occurred_at = models.DateTimeField(db_index=True, help_text="When the scan happened (retention counts from it).")
    location = EncryptedTextField(help_text="The scan's location as canonical JSON; erased at retention.")
    salt = EncryptedTextField(help_text="Hex salt of the link's personal digest; erased with the location.")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "personal part of a link"
        verbose_name_plural = "personal parts of links"

    def __str__(self):
        return f"personal data of link {self.event_id}"

    @property
    def location_value(self) -> dict | None:
        """The location in clear (None once erased). Only for the audited reveal and the coarse display."""
        plain = self.location
        return None if plain is None else json.loads(plain)


class ParcelTerritory(models.Model):
    """A province where a link of the parcel's chain happened (acceptance, inspection, screening, scan): the
    parcel is under that province's regulator. One row per (parcel, province), added with the link."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="territories", db_index=False)
    province = models.CharField(max_length=6)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["parcel", "province"], name="one_row_per_parcel_province")]
        indexes = [models.Index(fields=["province", "parcel"], name="parcel_territory_by_province")]

    def __str__(self):
        return f"{self.parcel_id} in {self.province}"


class VehicleTerritory(models.Model):
    """A province where the vehicle was loaded or unloaded: the vehicle is located there for its regulator, as
    well as in the province of its plate."""

    vehicle = models.ForeignKey("organizations.Vehicle", on_delete=models.CASCADE, related_name="territories",
                                db_index=False)
    province = models.CharField(max_length=6)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vehicle", "province"], name="one_row_per_vehicle_province")]
        indexes = [models.Index(fields=["province", "vehicle"], name="vehicle_territory_by_province")]

    def __str__(self):
        return f"{self.vehicle_id} in {self.province}"
