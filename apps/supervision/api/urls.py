from django.urls import path

from .views import ComplianceStatisticsView, IndicatorsView, RiskSourcesView

urlpatterns = [
    path("stats/compliance/", ComplianceStatisticsView.as_view(), name="stats-compliance"),
    path("stats/indicators/", IndicatorsView.as_view(), name="stats-indicators"),
    path("risk/", RiskSourcesView.as_view(), name="risk-sources"),
]
