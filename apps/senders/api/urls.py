from django.urls import path

from . import views

urlpatterns = [
    path("blacklist/", views.BlacklistView.as_view(), name="blacklist"),
    path("blacklist/<uuid:pk>/revoke/", views.BlacklistRevokeView.as_view(), name="blacklist-revoke"),
]
