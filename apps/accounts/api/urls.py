from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import DeviceViewSet, LogoutView, TokenView

router = SimpleRouter()
router.register("devices", DeviceViewSet, basename="device")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    *router.urls,
]
