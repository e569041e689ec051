"""OpenAPI description of device authentication (drf-spectacular extension, loaded by AccountsConfig.ready)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class DeviceApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.DeviceApiKeyAuthentication"
    name = "DeviceApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Scanner devices: `Authorization: Api-Key <key>`"}
