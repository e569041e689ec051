"""OpenAPI for the error answers drf-standardized-errors cannot infer from serializers: statuses and codes that
services raise (409 conflicts, 413, 422, the 403s and 429s with their own codes), and errors inside lists."""
from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiResponse


def client_error(description: str, *codes: str) -> OpenApiResponse:
    """A ``client_error`` answer whose ``code`` is one of ``codes``."""
    return OpenApiResponse(description=description, response={
        "type": "object",
        "required": ["type", "errors"],
        "properties": {
            "type": {"type": "string", "enum": ["client_error"]},
            "errors": {"type": "array", "items": {
                "type": "object",
                "required": ["code", "detail", "attr"],
                "properties": {"code": {"type": "string", "enum": list(codes)}, "detail": {"type": "string"},
                               "attr": {"type": "string", "nullable": True}},
            }},
        },
    })


def forbidden(*codes: str) -> OpenApiResponse:
    """403: the role check's ``permission_denied`` or one of the service's own refusals."""
    return client_error("Not allowed.", "permission_denied", *codes)


def indexed_error_attrs(result, generator, request, public):
    """drf-standardized-errors documents an error inside a list as ``items.INDEX.name``, while the API answers
    ``items.0.name``: document such an ``attr`` as a pattern, and drop the ``attr`` discriminator of the union it is
    in (a discriminator maps literal values only). A spectacular postprocessing hook."""
    schemas = result.get("components", {}).get("schemas", {})
    indexed = set()
    for name, schema in schemas.items():
        attr = schema.get("properties", {}).get("attr") if isinstance(schema, dict) else None
        values = attr.get("enum") if isinstance(attr, dict) else None
        if values and len(values) == 1 and "INDEX" in values[0].split("."):
            parts = ["[0-9]+" if part == "INDEX" else re.escape(part) for part in values[0].split(".")]
            schema["properties"]["attr"] = {"type": "string", "pattern": "^" + r"\.".join(parts) + "$",
                                            "description": f"`{values[0]}`, INDEX being the position in the list"}
            indexed.add(f"#/components/schemas/{name}")
    for schema in schemas.values():
        discriminator = schema.get("discriminator") if isinstance(schema, dict) else None
        if discriminator and discriminator.get("propertyName") == "attr" and any(
                item.get("$ref") in indexed for item in schema.get("oneOf", [])):
            del schema["discriminator"]
    return result


#: OpenAPI links: where an answer's ids lead. (producer operation id, status) → {link name: (operation id, parameters
#: [, request body fields])}.
#: A client (and schemathesis' stateful run) follows them from a new acceptance to its trace and reveal, from a
#: screening to its re-check, from an alert to its acknowledgement and from a blacklist entry to its revocation.
_PARCEL = {"waybill_no": "$response.body#/waybill_no"}
_FIRST = {"id": "$response.body#/results/*/id"}  # any of the page (schemathesis reads the wildcard)
_SAME = {"id": "$response.body#/id"}
LINKS = {
    ("acceptances_create", "201"): {
        "ParcelTrace": ("parcels_trace_retrieve", _PARCEL), "ParcelReveal": ("parcels_reveal_create", _PARCEL),
        "ParcelEpcis": ("parcels_epcis_retrieve", _PARCEL),
        "ParcelScreening": ("screenings_create", {}, {"waybill_no": "$response.body#/waybill_no"})},
    ("screenings_create", "201"): {
        "ScreeningResolution": ("screenings_resolution_create", _SAME),
        "ParcelTrace": ("parcels_trace_retrieve", _PARCEL), "ParcelReveal": ("parcels_reveal_create", _PARCEL)},
    ("screenings_resolution_create", "201"): {"ParcelTrace": ("parcels_trace_retrieve", _PARCEL)},
    ("alerts_list", "200"): {
        "AlertAcknowledge": ("alerts_acknowledge_create", _FIRST), "AlertResolve": ("alerts_resolve_create", _FIRST),
        "Alert": ("alerts_retrieve", _FIRST)},
    ("alerts_acknowledge_create", "200"): {"AlertResolve": ("alerts_resolve_create", _SAME)},
    ("blacklist_create", "201"): {"BlacklistRevoke": ("blacklist_revoke_create", _SAME)},
    ("blacklist_list", "200"): {"BlacklistRevoke": ("blacklist_revoke_create", _FIRST)},
}


def operation_links(result, generator, request, public):
    """Add ``LINKS`` to the answers they start from (a spectacular postprocessing hook); a link whose operations are
    not in this schema is left out."""
    operations = {operation.get("operationId"): operation for methods in result.get("paths", {}).values()
                  for operation in methods.values() if isinstance(operation, dict)}
    for (producer, status), links in LINKS.items():
        response = operations.get(producer, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, (target, parameters, *body) in links.items():
            if target in operations:
                link = {"operationId": target, "parameters": dict(parameters)}
                if body:
                    link["requestBody"] = dict(body[0])
                response.setdefault("links", {})[name] = link
    return result
