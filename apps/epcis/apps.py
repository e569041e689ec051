"""EPCIS 2.0 / CBV 2.0: the parcels' links as GS1 ObjectEvents for customs, partners and agencies, capture from
other vendors' scanners through the same ingest, and standing queries delivered to agencies' webhooks."""
from django.apps import AppConfig


class EpcisConfig(AppConfig):
    name = "apps.epcis"
    label = "epcis"
    verbose_name = "EPCIS 2.0 exchange"

    def ready(self):
        from . import capture, subscriptions  # noqa: F401 - registers the outbox handlers
