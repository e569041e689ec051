from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.services import device_key_rotate
from apps.audit.services import audit_record
from apps.common.permissions import ReadForRolesWriteForSuperuser
from apps.common.views import ScopedModelViewSet
from greenshield.plates import InvalidPlate, normalize_plate

from .. import selectors
from .filters import DeviceFilter, FacilityFilter, StaffFilter, VehicleFilter
from .serializers import (
    DeviceSerializer,
    FacilitySerializer,
    OrganizationSerializer,
    StaffSerializer,
    VehicleSerializer,
)

WRITES = ["post", "put", "patch"]


class ReferenceViewSet(ScopedModelViewSet):
    permission_classes = [ReadForRolesWriteForSuperuser]


@extend_schema_view(list=extend_schema(summary="Express companies in your scope"))
class OrganizationViewSet(ReferenceViewSet):
    serializer_class = OrganizationSerializer
    selector = staticmethod(selectors.organization_list)
    lookup_field = "code"
    audit_name = "organization"
    filterset_fields = ["province"]

    def _audit(self, action: str, instance):
        # The company is its own scope: its supervisors and regulators see changes to its record.
        audit_record(actor=self.request.user, action=f"{self.audit_name}.{action}", target=instance,
                     request=self.request, organization=instance)


@extend_schema_view(list=extend_schema(summary="Outlets, hubs and stations in your scope"))
class FacilityViewSet(ReferenceViewSet):
    serializer_class = FacilitySerializer
    selector = staticmethod(selectors.facility_list)
    lookup_field = "code"
    audit_name = "facility"
    filterset_class = FacilityFilter


@extend_schema_view(list=extend_schema(summary="Staff in your scope (personal data masked)"))
@extend_validation_errors(["facility_mismatch"], field_name="facility", methods=WRITES)
@extend_validation_errors(["invalid_id_number"], field_name="id_number", methods=WRITES)
class StaffViewSet(ReferenceViewSet):
    serializer_class = StaffSerializer
    selector = staticmethod(selectors.staff_list)
    lookup_field = "employee_no"
    audit_name = "staff"
    filterset_class = StaffFilter


@extend_schema_view(list=extend_schema(summary="Vehicles in your scope"))
@extend_validation_errors(["unique"], field_name="plate", methods=WRITES)
class VehicleViewSet(ReferenceViewSet):
    serializer_class = VehicleSerializer
    selector = staticmethod(selectors.vehicle_list)
    lookup_field = "plate"
    audit_name = "vehicle"

    def get_object(self):
        """Plates are stored normalised (沪A12345); accept any spelling a client may send (沪a 12345)."""
        try:
            self.kwargs["plate"] = normalize_plate(self.kwargs["plate"])
        except InvalidPlate:
            pass
        return super().get_object()
    filterset_class = VehicleFilter


@extend_schema_view(
    list=extend_schema(summary="Scanner devices in your scope"),
    create=extend_schema(summary="Register a scanner; its API key is in the response, once"),
)
@extend_validation_errors(["facility_mismatch"], field_name="facility", methods=WRITES)
class DeviceViewSet(ReferenceViewSet):
    serializer_class = DeviceSerializer
    selector = staticmethod(selectors.device_list)
    lookup_field = "serial"
    lookup_value_regex = r"[^/]+"  # serials may contain dots
    audit_name = "device"
    filterset_class = DeviceFilter

    @extend_schema(request=None, responses=DeviceSerializer, summary="Revoke the device's keys and issue a new one")
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, serial=None):
        device = self.get_object()
        with transaction.atomic():
            device._plain_api_key = device_key_rotate(device=device)
            audit_record(actor=request.user, action="device.key_rotate", target=device, request=request,
                         organization=device.organization)
        return Response(self.get_serializer(device).data)
