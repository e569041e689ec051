from django.apps import AppConfig


class SendersConfig(AppConfig):
    name = "apps.senders"
    label = "senders"
    verbose_name = "Senders and blacklist"

    def ready(self):
        from apps.compliance.retention import DataClass, register

        from .models import BlacklistEntry, Sender

        # A sender's identity, from their last parcel; a blacklist entry's document, after it expired [R19].
        register(DataClass("sender", Sender, "last_seen_at",
                           {"name": None, "id_number": None, "id_number_index": None, "phone": None,
                            "phone_index": None, "address": None}, "sender"))
        register(DataClass("blacklist", BlacklistEntry, "valid_until", {"id_number": None, "id_number_index": None},
                           "blacklist"))
