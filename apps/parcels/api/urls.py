from django.urls import path

from . import views

urlpatterns = [
    path("acceptances/", views.AcceptanceView.as_view(), name="acceptance-create"),
    path("parcels/<str:waybill_no>/reveal/", views.RevealView.as_view(), name="parcel-reveal"),
    path("senders/search/", views.SenderSearchView.as_view(), name="sender-search"),
    path("prohibited-categories/", views.ProhibitedCategoryListView.as_view(), name="prohibited-category-list"),
]
