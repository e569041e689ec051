"""The trace and reverse-trace endpoints (supervisors, regulators; outlet staff for their outlet's parcels)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.filters import aware_instant
from apps.common.permissions import capability_permission
from apps.common.replica import ReadsFromReplica
from greenshield.capabilities import Capability

from .. import selectors
from .serializers import CourierActivitySerializer, TraceSerializer, VehicleLoadSerializer, page_serializer

TracePermission = capability_permission(Capability.TRACE)


class ParcelTraceView(ReadsFromReplica, APIView):
    """A parcel's whole trace: the three controls, every link of its chain, custody, vehicles, alerts, and the
    chain's integrity re-verified on the spot."""

    permission_classes = [TracePermission]

    @extend_schema(responses={200: TraceSerializer}, summary="Trace a parcel")
    def get(self, request, waybill_no):
        return Response(TraceSerializer(selectors.parcel_trace(user=request.user, waybill_no=waybill_no)).data)


def _parse_time(request, name):
    raw = request.query_params.get(name)
    return aware_instant(raw, name) if raw else None


WINDOW = [OpenApiParameter("since", OpenApiTypes.DATETIME, description="From (inclusive), ISO 8601 with offset"),
          OpenApiParameter("until", OpenApiTypes.DATETIME, description="Until (exclusive)")]


class NewestFirst(CursorPagination):
    """Cursor pagination (stable and cheap on millions of events)."""

    ordering = ("-occurred_at", "-id")
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


@extend_validation_errors(["invalid"], field_name="since")
@extend_validation_errors(["invalid"], field_name="until")
class CourierParcelsView(ReadsFromReplica, APIView):
    """Every parcel a staff member accepted, inspected, screened, carried or delivered, with role and time."""

    permission_classes = [TracePermission]

    @extend_schema(parameters=WINDOW, responses={200: page_serializer("CourierActivityPage", CourierActivitySerializer)},
                   summary="Reverse trace from a courier")
    def get(self, request, employee_no):
        _, events = selectors.courier_activity(user=request.user, employee_no=employee_no,
                                               since=_parse_time(request, "since"), until=_parse_time(request, "until"))
        paginator = NewestFirst()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(CourierActivitySerializer(page, many=True).data)


@extend_validation_errors(["invalid"], field_name="since")
@extend_validation_errors(["invalid"], field_name="until")
@extend_validation_errors(["invalid"], field_name="at")
class VehicleParcelsView(ReadsFromReplica, APIView):
    """Parcels loaded on a vehicle in a window, with loaded and unloaded times; ``?at=T``: what was aboard."""

    permission_classes = [TracePermission]

    @extend_schema(parameters=[*WINDOW, OpenApiParameter("at", OpenApiTypes.DATETIME,
                                                         description="What was aboard at this instant")],
                   responses={200: page_serializer("VehicleLoadPage", VehicleLoadSerializer)},
                   summary="Reverse trace from a vehicle")
    def get(self, request, plate):
        at = _parse_time(request, "at")
        if at is not None:
            vehicle, loadings = selectors.vehicle_aboard(user=request.user, plate=plate, at=at)
        else:
            vehicle, loadings = selectors.vehicle_loadings(user=request.user, plate=plate,
                                                           since=_parse_time(request, "since"),
                                                           until=_parse_time(request, "until"))
        paginator = NewestFirst()
        page = list(paginator.paginate_queryset(loadings, request, view=self))
        rows = selectors.vehicle_loads(vehicle=vehicle, loadings=page)
        return paginator.get_paginated_response(VehicleLoadSerializer(rows, many=True).data)
