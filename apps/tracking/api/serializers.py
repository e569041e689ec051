"""Presenters of the trace, the reverse traces and screenings: one output serializer per resource, shared by the
API and the admin pages, so the OpenAPI schema describes the real responses and the two never disagree."""
from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from greenshield import masking
from greenshield import trace as trace_rules
from greenshield.enums import EventType


class Code(serializers.CharField):
    """A related object shown by its code (``facility.code``, ``vehicle.plate``…), or null."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute = attribute
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        related = super().get_attribute(instance)
        return None if related is None else getattr(related, self.attribute)

    def to_representation(self, value):
        return value


class ParcelSummarySerializer(serializers.Serializer):
    waybill_no = serializers.CharField()
    status = serializers.CharField()
    screening_status = serializers.CharField()
    organization = Code("code")
    outlet = Code("code")
    accepted_at = serializers.DateTimeField()
    accepted_by = serializers.CharField(source="acceptance.staff.employee_no", help_text="employee_no")
    weight_g = serializers.IntegerField(source="acceptance.weight_g")
    contract_customer = serializers.BooleanField()


class MaskedSenderSerializer(serializers.Serializer):
    """The sender as given at acceptance, masked; organisation fields only for organisation senders."""

    kind = serializers.CharField()
    name = serializers.CharField()
    id_type = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    organization_name = serializers.CharField(required=False)
    uscc = serializers.CharField(required=False)

    def to_representation(self, instance):
        return {key: value for key, value in instance.items() if value != ""}


class MaskedRecipientSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    region_code = serializers.CharField()


class InspectionControlSerializer(serializers.Serializer):
    result = serializers.CharField()
    passed = serializers.BooleanField()
    sender_present = serializers.BooleanField()
    inspector = Code("employee_no")
    inspected_at = serializers.DateTimeField()
    notes = serializers.CharField(allow_blank=True)
    safety_certificate_ref = serializers.SerializerMethodField()

    def get_safety_certificate_ref(self, inspection) -> str | None:
        return inspection.safety_certificate_ref or None


class RealNameControlSerializer(serializers.Serializer):
    method = serializers.CharField()
    identity_matched = serializers.BooleanField()
    verified_by = Code("employee_no")
    verified_at = serializers.DateTimeField()
    contract_customer = serializers.BooleanField()


class ResolutionSerializer(serializers.Serializer):
    result = serializers.CharField()
    notes = serializers.CharField(allow_blank=True)
    resolved_by = Code("username")
    staff = Code("employee_no", help_text="The staff member who opened the box.")
    resolved_at = serializers.DateTimeField()
    authority_report_ref = serializers.SerializerMethodField()

    def get_authority_report_ref(self, resolution) -> str | None:
        return resolution.authority_report_ref or None


class ScreeningSerializer(serializers.Serializer):
    """One X-ray pass with its open-box re-check (null until there is one)."""

    id = serializers.UUIDField()
    facility = Code("code")
    machine_id = serializers.CharField()
    operator = Code("employee_no")
    result = serializers.CharField()
    image_ref = serializers.CharField()
    image_sha256 = serializers.CharField()
    screened_at = serializers.DateTimeField()
    recorded_by = serializers.CharField()
    resolution = serializers.SerializerMethodField()

    @extend_schema_field(ResolutionSerializer(allow_null=True))
    def get_resolution(self, screening):
        resolution = getattr(screening, "resolution", None)
        return None if resolution is None else ResolutionSerializer(resolution).data


class TraceControlsSerializer(serializers.Serializer):
    inspection = InspectionControlSerializer(source="parcel.acceptance.inspection")
    real_name = RealNameControlSerializer(source="parcel.acceptance.verification")
    screening = ScreeningSerializer(source="screenings", many=True)


class LinkSerializer(serializers.Serializer):
    """One link of the chain: who, what, where, when, and its hash."""

    event_id = serializers.UUIDField()
    seq = serializers.IntegerField()
    type = serializers.ChoiceField(choices=[t.value for t in EventType])
    occurred_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    facility = Code("code")
    vehicle = Code("plate")
    courier = Code("employee_no")
    device = Code("serial")
    actor = serializers.CharField(allow_blank=True)
    location = serializers.SerializerMethodField(
        help_text="Where it was scanned; for a last-mile scan (personal data) only coarse (~1 km), null once erased.")
    personal_location = serializers.SerializerMethodField(
        help_text="null: the location is not personal data; COARSE: shown coarse (reveal for the exact one); "
                  "ERASED: erased at retention (the chain still commits to it).")
    detail = serializers.JSONField()
    flags = serializers.ListField(child=serializers.CharField())
    chain_hash = serializers.CharField(source="hash")

    @staticmethod
    def _personal(link):
        if not getattr(link, "personal_digest", ""):
            return None
        try:
            return link.personal
        except ObjectDoesNotExist:
            return None

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_location(self, link):
        if not getattr(link, "personal_digest", ""):
            return link.location
        personal = self._personal(link)
        return masking.coarse_location(personal.location_value) if personal is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=["COARSE", "ERASED"], allow_null=True))
    def get_personal_location(self, link) -> str | None:
        if not getattr(link, "personal_digest", ""):
            return None
        personal = self._personal(link)
        return "COARSE" if personal is not None and personal.location is not None else "ERASED"


class CustodySerializer(serializers.Serializer):
    courier = serializers.CharField()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField(allow_null=True)


class LegSerializer(serializers.Serializer):
    vehicle = serializers.CharField()
    loaded_at = serializers.DateTimeField(allow_null=True)
    loaded_facility = serializers.CharField(allow_null=True)
    departed_at = serializers.DateTimeField(allow_null=True)
    unloaded_at = serializers.DateTimeField(allow_null=True)
    unloaded_facility = serializers.CharField(allow_null=True)


class TraceAlertSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    facility = Code("code")
    summary = serializers.CharField()
    created_at = serializers.DateTimeField()


class MismatchSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="e.g. screening[<id>].result, parcel.screening_status")
    chain = serializers.JSONField(help_text="What the parcel's chain says.")
    recorded = serializers.JSONField(help_text="What the record says.")


class LogInclusionSerializer(serializers.Serializer):
    """The head link's leaf in the transparency log, with its inclusion proof against the latest checkpoint."""

    leaf_index = serializers.IntegerField(source="index")
    leaf_hash = serializers.SerializerMethodField()
    tree_size = serializers.IntegerField(source="size")
    inclusion = serializers.SerializerMethodField()
    checkpoint = serializers.CharField(source="checkpoint.note", help_text="The signed checkpoint (C2SP note).")
    signed_at = serializers.DateTimeField(source="checkpoint.signed_at")

    def get_leaf_hash(self, inclusion) -> str:
        return inclusion.leaf_hash.hex()

    def get_inclusion(self, inclusion) -> list[str]:
        return [h.hex() for h in inclusion.hashes]


class IntegritySerializer(serializers.Serializer):
    """The chain re-verified on the spot, the control rows compared with it, and its place in the log."""

    valid = serializers.BooleanField()
    length = serializers.IntegerField()
    head = serializers.CharField()
    problem = serializers.SerializerMethodField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    mismatches = MismatchSerializer(many=True)
    log = LogInclusionSerializer(allow_null=True)

    def get_problem(self, verdict) -> str | None:
        return verdict.problem or None


class TraceSerializer(serializers.Serializer):
    """A parcel's whole trace (``selectors.parcel_trace``)."""

    parcel = ParcelSummarySerializer()
    sender = MaskedSenderSerializer(source="parcel.acceptance.masked_sender")
    recipient = MaskedRecipientSerializer(source="parcel.acceptance.masked_recipient")
    controls = TraceControlsSerializer(source="*")
    events = LinkSerializer(many=True)
    custody = CustodySerializer(many=True)
    vehicles = LegSerializer(source="legs", many=True)
    alerts = TraceAlertSerializer(many=True)
    integrity = IntegritySerializer()


class CourierActivitySerializer(serializers.Serializer):
    """One link a staff member is responsible for, in a reverse trace from the courier."""

    waybill_no = serializers.CharField(source="parcel.waybill_no")
    role = serializers.SerializerMethodField()
    type = serializers.CharField()
    at = serializers.DateTimeField(source="occurred_at")
    facility = Code("code")
    vehicle = Code("plate")
    parcel_status = serializers.CharField(source="parcel.status")

    def get_role(self, event) -> str:
        return trace_rules.ROLE_OF_TYPE.get(event.type, "scanned")


class VehicleLoadSerializer(serializers.Serializer):
    """A loading onto the vehicle with the unloading that ended it (``selectors.VehicleLoad``)."""

    waybill_no = serializers.CharField(source="loading.parcel.waybill_no")
    loaded_at = serializers.DateTimeField(source="loading.occurred_at")
    loaded_facility = Code("code", source="loading.facility")
    unloaded_at = serializers.DateTimeField(source="unloading.occurred_at", allow_null=True)
    unloaded_facility = Code("code", source="unloading.facility")
    parcel_status = serializers.CharField(source="loading.parcel.status")


def page_serializer(name: str, row_serializer) -> type[serializers.Serializer]:
    """The cursor page the reverse traces answer with (``next``/``previous`` links and ``results``)."""
    return type(name, (serializers.Serializer,), {
        "next": serializers.URLField(allow_null=True), "previous": serializers.URLField(allow_null=True),
        "results": row_serializer(many=True)})
