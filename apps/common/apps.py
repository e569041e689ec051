from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = "Common"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        from . import checks, db_roles, keyring  # noqa: F401  (checks registers the admin guard)

        keyring.install_from_settings()
        setting_changed.connect(keyring.on_setting_changed)
        post_migrate.connect(db_roles.grants_after_migrate, sender=self, dispatch_uid="greenshield-app-role-grants")
