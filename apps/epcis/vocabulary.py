"""What greenshield's records are called in EPCIS 2.0: the identifiers (EPC and location URIs), the greenshield
extension namespace, the JSON-LD ``@context``, the CBV business steps of the event types (read from
``EventType.meta``, both ways), the vendored GS1 schema and the event hash vocabulary. One place for each.

Parcel EPC. A waybill number is not a GS1 key (no company prefix, no check digit), so neither an EPC URN
(``urn:epc:id:sscc:…``) nor a GS1 Digital Link (``https://id.gs1.org/00/…``) can name it without inventing a key.
Parcels are named by HTTP URIs under the installation's own domain, ``{GREENSHIELD_EPCIS_ID_BASE}/parcel/{waybill}``,
which EPCIS 2.0 accepts as an EPC ("any URI") and CBV 2.0 recommends for private identifiers: stable, globally
unique (waybills are), and resolvable one day. Facilities are ``…/facility/{code}``.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from urllib.parse import quote, unquote

import jsonschema_rs
from django.conf import settings

from greenshield import epcis_hash
from greenshield.enums import Custody, EventType, Leg

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
GS1_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CBV_PREFIXES = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
CBV_DISPOSITIONS = ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:")
PREFIX = "gs"


def id_base() -> str:
    return settings.GREENSHIELD_EPCIS_ID_BASE.rstrip("/")


def namespace() -> str:
    """The greenshield extension namespace (``gs:`` in ``@context``): our own business steps, dispositions and
    the extension fields (vehicle, courier, device, flags, reason codes)."""
    return id_base() + "/epcis/"


def context() -> list:
    return [GS1_CONTEXT_URL, {PREFIX: namespace()}]


def parcel_uri(waybill_no: str) -> str:
    return f"{id_base()}/parcel/{quote(waybill_no, safe='')}"


def facility_uri(code: str) -> str:
    return f"{id_base()}/facility/{quote(code, safe='')}"


def _tail(uri, kind: str) -> str | None:
    if not isinstance(uri, str):
        return None
    prefix = f"{id_base()}/{kind}/"
    if not uri.startswith(prefix) or "/" in uri[len(prefix):] or not uri[len(prefix):]:
        return None
    return unquote(uri[len(prefix):])


def waybill_of(uri) -> str | None:
    """The waybill number named by a parcel EPC of ours, else None."""
    return _tail(uri, "parcel")


def facility_code_of(uri) -> str | None:
    return _tail(uri, "facility")


def ext(name: str) -> str:
    """An extension field's name: ``gs:vehicle``."""
    return f"{PREFIX}:{name}"


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def at_facility(event_type: EventType) -> bool:
    """Whether the parcel is at the link's facility afterwards (its ``bizLocation``): not on a vehicle, not
    held by a courier."""
    meta = event_type.meta
    return meta.custody in (Custody.ENDS, Custody.NONE) and meta.leg in (Leg.NONE, Leg.CLOSES)


# -- business steps, both ways ------------------------------------------------------------------------------

def _vocabulary_word(value, cbv_prefixes: tuple[str, ...]) -> str | None:
    """A business step or disposition as ``EventType.meta`` writes it (``arriving``, ``gs:sorting``), from any of
    its EPCIS spellings: bare CBV word, CBV web URI or URN, ``gs:`` CURIE or the full greenshield URI."""
    if not isinstance(value, str):
        return None
    for prefix in cbv_prefixes:
        if value.startswith(prefix):
            return value[len(prefix):]
    if value.startswith(namespace()):
        return f"{PREFIX}:{value[len(namespace()):]}"
    return value


def biz_step_word(value) -> str | None:
    return _vocabulary_word(value, CBV_PREFIXES)


def disposition_word(value) -> str | None:
    return _vocabulary_word(value, CBV_DISPOSITIONS)


@functools.cache
def scan_types_by_biz_step() -> dict[str, tuple[EventType, ...]]:
    """Capture's reading of a business step: every scan type whose ``meta.biz_step`` (or ``also_biz_steps``) it is."""
    found: dict[str, list] = {}
    for event_type in EventType.scans():
        for step in (event_type.meta.biz_step, *event_type.meta.also_biz_steps):
            found.setdefault(step, []).append(event_type)
    return {step: tuple(types) for step, types in found.items()}


def types_with_biz_step(value) -> set[str]:
    """Query's reading: the event types (scans and service links) with this business step."""
    word = biz_step_word(value)
    return {t.value for t in EventType if t.meta.biz_step == word}


# -- the GS1 artefacts --------------------------------------------------------------------------------------

@functools.cache
def hash_vocabulary() -> epcis_hash.Vocabulary:
    return epcis_hash.Vocabulary.from_context(json.loads((SCHEMA_DIR / "epcis-context.jsonld").read_text()))


@functools.cache
def validator():
    """The official GS1 EPCIS 2.0 JSON schema (draft-07), formats (``uri``, ``date-time``) checked.
    jsonschema-rs rather than the pure-Python jsonschema: 100× faster on a 1,000-event document, and it checks
    formats without extra packages (jsonschema silently skips ``uri`` and ``date-time`` without them)."""
    schema = json.loads((SCHEMA_DIR / "EPCIS-JSON-Schema.json").read_text())
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


MAX_SCHEMA_ERRORS = 50


def schema_errors(document) -> list[dict]:
    """The GS1 schema's complaints about ``document``, in the API's error shape (at most 50)."""
    errors = []
    for error in validator().iter_errors(document):
        path = ".".join(str(p) for p in error.instance_path)
        errors.append({"code": "schema_violation", "detail": _short(error.message), "attr": path or None})
        if len(errors) >= MAX_SCHEMA_ERRORS:
            break
    return errors


def _short(message: str, limit: int = 300) -> str:
    message = re.sub(r"\s+", " ", message)
    return message if len(message) <= limit else message[:limit] + "…"


def event_id(event: dict, document_context) -> str:
    """The CBV 2.0 event hash ID of one event of a document with this ``@context``."""
    return epcis_hash.event_hash(event, context=document_context, vocabulary=hash_vocabulary())
