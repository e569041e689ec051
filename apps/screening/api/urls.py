from django.urls import path

from . import views

urlpatterns = [
    path("screenings/", views.ScreeningView.as_view(), name="screening-create"),
    path("screenings/<uuid:pk>/resolution/", views.ResolutionView.as_view(), name="screening-resolution"),
]
