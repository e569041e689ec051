from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("epcis/subscriptions", views.SubscriptionViewSet, basename="epcis-subscription")

urlpatterns = [
    path("parcels/<str:waybill_no>/epcis/", views.ParcelEPCISView.as_view(), name="parcel-epcis"),
    path("epcis/events/", views.EventQueryView.as_view(), name="epcis-events"),
    path("epcis/capture/", views.CaptureView.as_view(), name="epcis-capture"),
    path("epcis/capture/<str:capture_id>/", views.CaptureJobView.as_view(), name="epcis-capture-job"),
    *router.urls,
]
