from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors

from apps.common.permissions import ReadForRolesWriteForSuperuser
from apps.common.views import ScopedModelViewSet
from greenshield.plates import InvalidPlate, normalize_plate

from .. import selectors
from ..services import reference_delete, reference_save
from .filters import FacilityFilter, StaffFilter, VehicleFilter
from .serializers import (
    FacilitySerializer,
    OrganizationSerializer,
    StaffSerializer,
    VehicleSerializer,
)

WRITES = ["post", "put", "patch"]


class ReferenceViewSet(ScopedModelViewSet):
    permission_classes = [ReadForRolesWriteForSuperuser]
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)


@extend_schema_view(list=extend_schema(summary="Express companies in your scope"))
@extend_validation_errors(["waybill_prefix_conflict", "invalid"], field_name="waybill_prefix", methods=WRITES)
class OrganizationViewSet(ReferenceViewSet):
    serializer_class = OrganizationSerializer
    selector = staticmethod(selectors.organization_list)
    lookup_field = "code"
    filterset_fields = ["province"]


@extend_schema_view(list=extend_schema(summary="Outlets, hubs and stations in your scope"))
class FacilityViewSet(ReferenceViewSet):
    serializer_class = FacilitySerializer
    selector = staticmethod(selectors.facility_list)
    lookup_field = "code"
    filterset_class = FacilityFilter


@extend_schema_view(list=extend_schema(summary="Staff in your scope (personal data masked)"))
@extend_validation_errors(["facility_mismatch"], field_name="facility", methods=WRITES)
@extend_validation_errors(["invalid_id_number"], field_name="id_number", methods=WRITES)
class StaffViewSet(ReferenceViewSet):
    serializer_class = StaffSerializer
    selector = staticmethod(selectors.staff_list)
    lookup_field = "employee_no"
    filterset_class = StaffFilter


@extend_schema_view(list=extend_schema(summary="Vehicles in your scope"))
@extend_validation_errors(["unique"], field_name="plate", methods=WRITES)
class VehicleViewSet(ReferenceViewSet):
    serializer_class = VehicleSerializer
    selector = staticmethod(selectors.vehicle_list)
    lookup_field = "plate"

    def get_object(self):
        """Plates are stored normalised (沪A12345); accept any spelling a client may send (沪a 12345)."""
        try:
            self.kwargs["plate"] = normalize_plate(self.kwargs["plate"])
        except InvalidPlate:
            pass
        return super().get_object()
    filterset_class = VehicleFilter
