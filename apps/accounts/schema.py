"""OpenAPI description of account and device authentication (drf-spectacular extensions, loaded by
AccountsConfig.ready)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AccountTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.AccountTokenAuthentication"
    name = "tokenAuth"  # the name DRF's token scheme had: clients' generated code keeps working

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "People: `Authorization: Token <key>` from `POST /api/v1/auth/token/`; it expires "
                               "(`expires_at`) and dies on `POST /api/v1/auth/logout/`."}


class DeviceApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.DeviceApiKeyAuthentication"
    name = "DeviceApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Scanner devices: `Authorization: Api-Key <key>`"}
