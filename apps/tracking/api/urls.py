from django.urls import path

from . import trace, views

urlpatterns = [
    path("events/", views.EventBatchView.as_view(), name="event-batch"),
    path("parcels/<str:waybill_no>/trace/", trace.ParcelTraceView.as_view(), name="parcel-trace"),
    path("couriers/<str:employee_no>/parcels/", trace.CourierParcelsView.as_view(), name="courier-parcels"),
    path("vehicles/<str:plate>/parcels/", trace.VehicleParcelsView.as_view(), name="vehicle-parcels"),
]
