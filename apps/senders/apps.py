from django.apps import AppConfig


class SendersConfig(AppConfig):
    name = "apps.senders"
    label = "senders"
    verbose_name = "Senders and blacklist"
