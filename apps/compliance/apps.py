from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance alerts"

    def ready(self):
        from . import services  # noqa: F401  (registers the outbox handler)
