from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.accounts.lockout import admin_login
from apps.common.health import healthz, readyz
from apps.supervision.admin import dashboard as supervision_dashboard

api_v1 = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.organizations.api.urls")),
    path("", include("apps.parcels.api.urls")),
    path("", include("apps.senders.api.urls")),
    path("", include("apps.screening.api.urls")),
    path("", include("apps.compliance.api.urls")),
    path("", include("apps.tracking.api.urls")),
    path("", include("apps.audit.api.urls")),
    path("", include("apps.transparency.api.urls")),
    path("", include("apps.epcis.api.urls")),
    path("", include("apps.supervision.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("admin/login/", admin_login, name="admin-login"),  # throttled like the API's sign-in, before the admin's own
    path("admin/supervision/", admin.site.admin_view(supervision_dashboard), name="supervision-dashboard"),
    path("admin/", admin.site.urls),
]

handler404 = "apps.common.health.not_found"

admin.site.site_header = "greenshield 绿盾 — parcel safety records"
admin.site.site_title = "greenshield"
admin.site.index_title = "Records you can see"
