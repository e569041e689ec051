from django.apps import AppConfig


class ParcelsConfig(AppConfig):
    name = "apps.parcels"
    label = "parcels"
    verbose_name = "Parcels and acceptances"

    def ready(self):
        from apps.compliance.retention import DataClass, register

        from .models import AcceptanceRecord, LinkPersonalData

        # An acceptance's sender and recipient contact details, from the attempt [R19].
        register(DataClass("acceptance", AcceptanceRecord, "recorded_at",
                           {"given_sender_name": None, "given_sender_phone": None, "given_sender_phone_index": None,
                            "given_sender_address": None,
                            "recipient_name": None, "recipient_phone": None, "recipient_address": None},
                           "acceptance"))
        # Where a last-mile scan happened, with the salt of the link's digest: the chain still verifies after.
        register(DataClass("last_mile_location", LinkPersonalData, "occurred_at", {"location": None, "salt": None},
                           "last_mile_location"))
