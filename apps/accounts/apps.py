from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and scanner devices"

    def ready(self):
        from . import schema, signals  # noqa: F401
