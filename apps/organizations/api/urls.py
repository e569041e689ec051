from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("vehicles", views.VehicleViewSet, basename="vehicle")

urlpatterns = router.urls
