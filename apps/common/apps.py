from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = "Common"

    def ready(self):
        from django.core.signals import setting_changed

        from . import checks, keyring  # noqa: F401  (checks registers the admin guard)

        keyring.install_from_settings()
        setting_changed.connect(keyring.on_setting_changed)
