"""Regional supervision: daily rollups of what the records say, the plan's service-quality indicators, risk sources,
their API and the admin dashboard. It reads every other app and nothing imports it."""
from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "apps.supervision"
    label = "supervision"
    verbose_name = "Regional supervision"
