"""The CBV 2.0 EPCIS event hash (``ni:///sha-256;<hex>?ver=CBV2.0``), our own implementation of the
canonicalisation, checked against the reference generator's published vectors (tests/greenshield/data/).

An event is turned into a tree of ``(name, value, children)`` nodes, the JSON-LD way: list members take their
list's name, ``…List`` members are renamed to their element (``epcList`` → ``epc``), CURIEs are expanded with the
document's ``@context``, and bare CBV words with the vocabulary of the GS1 JSON-LD context. The pre-hash string is
the known fields in the canonical property order, then every remaining field (user extensions, ILMD, business
transactions, sources and destinations), each group sorted. Values are canonical: UTC timestamps to the
millisecond, numbers without trailing zeros, CBV URNs as web URIs, GS1 keys as canonical GS1 Digital Link URIs,
booleans ``true``/``false`` (the XML spelling; the reference generator's JSON path writes Python's ``True``).
No Django here: the EPCIS app feeds it documents and the vocabulary.
"""
from __future__ import annotations

import datetime
import functools
import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

VERSION = "CBV2.0"

# The canonical property order (CBV 2.0 §8.9, as the reference generator applies it); ``None``: a leaf.
_QUANTITY = (("quantityElement", (("epcClass", None), ("quantity", None), ("uom", None))),)
_EPCS = (("epc", None),)
PROPERTY_ORDER = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", _EPCS),
    ("inputEPCList", _EPCS),
    ("childEPCs", _EPCS),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", _EPCS),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    ("sensorElementList", (("sensorElement", (
        ("sensorMetadata", tuple((name, None) for name in (
            "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
            "bizRules"))),
        ("sensorReport", tuple((name, None) for name in (
            "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time",
            "microorganism", "chemicalSubstance", "value", "component", "stringValue", "booleanValue",
            "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
            "coordinateReferenceSystem"))),
    )),)),
)
# Never part of the hash: what a repository adds (record time, the id itself) and the error declaration.
NOT_HASHED = frozenset({"recordTime", "eventID", "type", "errorDeclaration", "@context"})
# Lists whose members are (type, value) pairs: kept in their written order inside a member, never sorted.
_TYPED_LISTS = {"bizTransactionList": "bizTransaction", "sourceList": "source", "destinationList": "destination"}
_SKIPPED_KEYS = frozenset({"#text", "rdfs:comment", "comment"})
_CBV_URNS = (("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
             ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
             ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
             ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
             ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"))


@dataclass
class Node:
    name: object  # a field name, or for a (type, value) pair member the tuple of its two nodes
    value: str = ""
    children: list = field(default_factory=list)

    @property
    def is_pair(self) -> bool:
        return isinstance(self.name, tuple)


# -- vocabulary ---------------------------------------------------------------------------------------------

_VOCABULARIES = ("https://ref.gs1.org/cbv/", "https://gs1.org/voc/")


@dataclass(frozen=True)
class Vocabulary:
    """Bare CBV words by the path of the property that holds them (``("bizStep",)``, ``("sourceList", "type")``,
    ``("sensorElementList", "sensorReport", "type")``), and the standard CURIE prefixes, from the GS1 JSON-LD
    context: one source for what ``"bizStep": "arriving"`` means."""

    terms: Mapping[tuple, Mapping[str, str]]
    prefixes: Mapping[str, str]

    @classmethod
    def from_context(cls, context: Mapping) -> Vocabulary:
        root = context.get("@context", context)
        prefixes = {k: v for k, v in root.items() if isinstance(v, str) and not k.startswith("@")
                    and v.endswith(("/", ":", "#"))}
        terms: dict[tuple, dict[str, str]] = {}

        def expand(value: str) -> str:
            prefix, _, local = value.partition(":")
            return prefixes[prefix] + local if prefix in prefixes else value

        def walk(ctx, path: tuple):
            contexts = ctx if isinstance(ctx, list) else [ctx]
            inherited: dict[str, str] = {}
            for piece in contexts:
                if isinstance(piece, dict):
                    inherited.update({k: expand(v) for k, v in piece.items()
                                      if isinstance(v, str) and not k.startswith("@") and k not in prefixes})
            for piece in contexts:
                if not isinstance(piece, dict):
                    continue
                for key, definition in piece.items():
                    if not isinstance(definition, dict):
                        continue
                    inner = definition.get("@context")
                    if definition.get("@type") == "@vocab":
                        words = {}
                        if isinstance(inner, dict | list):
                            for part in inner if isinstance(inner, list) else [inner]:
                                if isinstance(part, dict):
                                    words.update({k: expand(v) for k, v in part.items()
                                                  if isinstance(v, str) and not k.startswith("@")})
                        words.update(inherited)
                        words = {k: v for k, v in words.items() if v.startswith(_VOCABULARIES)}
                        if words:
                            terms[(*path, key)] = words
                    if isinstance(inner, dict | list):
                        walk(inner, (*path, key))

        walk(root, ())
        return cls(terms=terms, prefixes=prefixes)


# -- JSON to nodes ------------------------------------------------------------------------------------------

def _scalar(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Builder:
    def __init__(self, namespaces: Mapping[str, str], vocabulary: Vocabulary, ignore: frozenset):
        self.namespaces = namespaces
        self.vocabulary = vocabulary
        self.ignore = ignore

    def key(self, key: str) -> str:
        prefix, sep, local = key.partition(":")
        if sep and prefix in self.namespaces:
            return "{" + self.namespaces[prefix] + "}" + local
        return key

    def value(self, text: str, path: tuple) -> str:
        words = self.vocabulary.terms.get(path)
        if words and text in words:
            return words[text]
        prefix, sep, local = text.partition(":")
        if sep and prefix in self.namespaces:
            return self.namespaces[prefix] + local
        return text

    def node(self, value, path: tuple) -> Node:
        if isinstance(value, list):
            return Node("", "", sorted((self.node(v, path) for v in value), key=_sort_key))
        if isinstance(value, dict):
            result = Node("")
            for key, item in value.items():
                if key in _SKIPPED_KEYS or (not path and key in self.ignore):
                    continue
                child = self.node(item, (*path, key))
                name = self.key(key)
                if isinstance(item, list):
                    result.children.extend(Node(name, c.value, c.children) for c in child.children)
                else:
                    result.children.append(Node(name, child.value, child.children))
            if not any(k in value for k in ("bizTransaction", "source", "destination")):
                result.children.sort(key=_sort_key)
            return result
        return Node("", self.value(_scalar(value), path))


def _sort_key(node: Node):
    return (_name_key(node.name), node.value, [_sort_key(c) for c in node.children])


def _name_key(name) -> tuple:
    return (1, tuple(_sort_key(n) for n in name)) if isinstance(name, tuple) else (0, name)


def _restructure(node: Node) -> Node:
    """The XML data model from the JSON one: ``xList`` members are ``x``, typed list members are (type, value)
    pairs, ``childEPCs`` members and ``inputEPC``/``outputEPC`` are ``epc``, quantities are ``quantityElement``."""
    children = [c for c in node.children if not (isinstance(c.name, str) and c.name.endswith("List"))]
    lists: dict[str, list] = {}
    for c in node.children:
        if isinstance(c.name, str) and c.name.endswith("List"):
            lists.setdefault(c.name, []).append(Node(c.name[:-4], c.value, c.children))
    for name, members in lists.items():
        if name in _TYPED_LISTS:
            children.append(Node(name, "", [Node((m.children[0], m.children[1])) if len(m.children) >= 2 else m
                                            for m in members]))
        else:
            children.append(Node(name, "", members))
    epcs = [Node("epc", c.value) for c in children if c.name == "childEPCs"]
    if epcs:
        children = [c for c in children if c.name != "childEPCs"] + [Node("childEPCs", "", epcs)]
    children = [c if c.name in _TYPED_LISTS or c.is_pair else _restructure(c) for c in children]
    name = node.name
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (name == "quantity" and children):
        name = "quantityElement"
    return Node(name, node.value, children)


# -- values -------------------------------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")


def canonical_time(text: str) -> str:
    """UTC with millisecond precision, ``Z``; the third decimal rounded half up from the fourth. A value that is
    not an ISO 8601 time with an offset is left as it is."""
    match = _TIME.match(text)
    if not match:
        return text
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    digits = (fraction or "").ljust(4, "0")
    millis = int(digits[:3]) + (1 if digits[3] >= "5" else 0)
    shift = datetime.timedelta(0)
    if offset != "Z":
        shift = (1 if offset[0] == "+" else -1) * datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    try:
        moment = (datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
                  + datetime.timedelta(milliseconds=millis) - shift)
    except (ValueError, OverflowError):
        return text
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def canonical_number(text: str) -> str:
    """A number without trailing zeros (``1.0`` → ``1``); anything else unchanged."""
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return str(int(number)) if number == int(number) else str(number)


@functools.lru_cache(maxsize=65536)
def canonical_value(text: str) -> str:
    """A value's canonical form (cached: facility, step and vocabulary URIs repeat in every document)."""
    for urn, web in _CBV_URNS:
        text = text.replace(urn, web)
    text = canonical_number(text)
    return digital_link(text) or text


# -- GS1 keys as canonical GS1 Digital Link URIs -------------------------------------------------------------

_C82 = r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"
_CPI = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_DL_ESCAPES = str.maketrans({"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"})
_DL_CHARS = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit (weights 3, 1, 3, … from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def _escape(text: str) -> str:
    return text.translate(_DL_ESCAPES)


def _gtin(company: str, item: str) -> str:
    raw = item[0] + company + item[1:]
    return raw + gs1_check_digit(raw)


def _keyed(company: str, reference: str) -> str:
    raw = company + reference
    return raw + gs1_check_digit(raw)


def _split(total: int) -> str:
    """``company.reference`` of ``total`` digits in all, the company prefix 6 to 12 digits."""
    return "(?:" + "|".join(rf"\d{{{n}}}\.\d{{{total - n}}}" for n in range(6, 13)) + ")"


def _company_then(total: int, allow_empty: bool = True) -> str:
    parts = [rf"\d{{{n}}}\.\d{{{total - n}}}" for n in range(6, 12)]
    parts.append(r"\d{12}\." if allow_empty else r"\d{12}\.\d{0}")
    return "(?:" + "|".join(parts) + ")"


# Each EPC scheme: pattern over what follows ``urn:epc:…:<scheme>:`` and the Digital Link path it becomes.
_EPC_SCHEMES = [
    ("id:sgtin", rf"({_split(13)})\.({_C82}{{1,20}})",
     lambda m: "/01/" + _gtin(*m[1].split(".")) + "/21/" + _escape(m[2])),
    ("id:sscc", rf"({_split(17)})", lambda m: "/00/" + _gtin(*m[1].split("."))),
    ("id:sgln", rf"({_company_then(12)})\.({_C82}{{1,20}})",
     lambda m: "/414/" + _keyed(*m[1].split(".")) + ("" if m[2] == "0" else "/254/" + _escape(m[2]))),
    ("id:grai", rf"({_company_then(12)})\.({_C82}{{1,16}})",
     lambda m: "/8003/" + _keyed("0" + m[1].split(".")[0], m[1].split(".")[1]) + _escape(m[2])),
    ("id:giai", r"(\d{6,12})\.(" + _C82 + "{1,24})", lambda m: _within_30("/8004/", m)),
    ("id:gsrn", rf"({_split(17)})", lambda m: "/8018/" + _keyed(*m[1].split("."))),
    ("id:gsrnp", rf"({_split(17)})", lambda m: "/8017/" + _keyed(*m[1].split("."))),
    ("id:gdti", rf"({_company_then(12)})\.({_C82}{{0,17}})",
     lambda m: "/253/" + _keyed(*m[1].split(".")) + _escape(m[2])),
    ("id:cpi", rf"(\d{{6,12}})\.({_CPI}{{1,24}})\.(\d{{1,12}})",
     lambda m: "/8010/" + _escape(m[1] + m[2]) + "/8011/" + m[3]),
    ("id:sgcn", rf"({_company_then(12)})\.(\d{{1,12}})",
     lambda m: "/255/" + _keyed(*m[1].split(".")) + m[2]),
    ("id:ginc", r"(\d{6,12})\.(" + _C82 + "{1,24})", lambda m: _within_30("/401/", m)),
    ("id:gsin", rf"({_split(16)})", lambda m: "/402/" + _keyed(*m[1].split("."))),
    ("id:itip", rf"({_split(13)})\.(\d{{2}})\.(\d{{2}})\.({_C82}{{1,20}})",
     lambda m: "/8006/" + _gtin(*m[1].split(".")) + m[2] + m[3] + "/21/" + _escape(m[4])),
    ("id:upui", rf"({_split(13)})\.({_C82}{{1,28}})",
     lambda m: "/01/" + _gtin(*m[1].split(".")) + "/235/" + _escape(m[2])),
    ("id:pgln", rf"({_company_then(12)})", lambda m: "/417/" + _keyed(*m[1].split("."))),
    ("class:lgtin", rf"({_split(13)})\.({_C82}{{1,20}})",
     lambda m: "/01/" + _gtin(*m[1].split(".")) + "/10/" + _escape(m[2])),
    ("idpat:sgtin", rf"({_split(13)})\.\*", lambda m: "/01/" + _gtin(*m[1].split("."))),
    ("idpat:grai", rf"({_company_then(12)})\.\*",
     lambda m: "/8003/" + _keyed("0" + m[1].split(".")[0], m[1].split(".")[1])),
    ("idpat:gdti", rf"({_company_then(12)})\.\*", lambda m: "/253/" + _keyed(*m[1].split("."))),
    ("idpat:sgcn", rf"({_company_then(12)})\.\*", lambda m: "/255/" + _keyed(*m[1].split("."))),
    ("idpat:cpi", rf"(\d{{6,12}})\.({_CPI}{{1,24}})\.\*", lambda m: "/8010/" + _escape(m[1] + m[2])),
    ("idpat:itip", rf"({_split(13)})\.(\d{{2}})\.(\d{{2}})\.\*",
     lambda m: "/8006/" + _gtin(*m[1].split(".")) + m[2] + m[3]),
    ("idpat:upui", rf"({_split(13)})\.\*", lambda m: "/01/" + _gtin(*m[1].split("."))),
]
_EPC_PATTERNS = [(f"urn:epc:{scheme}:", re.compile(pattern + "$"), build) for scheme, pattern, build in _EPC_SCHEMES]


def _within_30(path: str, match) -> str | None:
    """GIAI and GINC: company prefix and reference together at most 30 characters (an escape counts as one)."""
    if len(match[1]) + len(re.sub(r"%[0-9A-Fa-f]{2}", "x", match[2])) > 30:
        return None
    return path + match[1] + _escape(match[2])


_DL_KEYS = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018")
_DL_SHORT_NAMES = (("gtin", "01"), ("itip", "8006"), ("cpid", "8010"), ("gln", "414"), ("party", "417"),
                   ("gsrnp", "8017"), ("gsrn", "8018"), ("gcn", "255"), ("sscc", "00"), ("gdti", "253"),
                   ("ginc", "401"), ("gsin", "402"), ("grai", "8003"), ("giai", "8004"), ("cpv", "22"), ("lot", "10"),
                   ("ser", "21"))
_DL_ANY = re.compile(r"^https?:(//(([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?)?(([^?#]*)(/(01|gtin|8006|itip|8010|cpid|414|gln|"
                     r"417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/)"
                     r"(\d{4}[^/]+)(/[^/]+/[^/]+)?/?(\?([^?\n]*))?(#([^\n]*))?|(/[A-Za-z_-]{10}$))")
_DL_CANONICAL_HOST = re.compile(r"^https://id\.gs1\.org/(" + "|".join(_DL_KEYS) + r")/\d{4}[^/]+")
_DL_VALID = [re.compile(p + "$") for p in (
    r"https://id\.gs1\.org/00/\d{18}",
    rf"https://id\.gs1\.org/01/\d{{14}}/21/{_DL_CHARS}{{0,20}}",
    rf"https://id\.gs1\.org/01/\d{{14}}/10/{_DL_CHARS}{{0,20}}",
    r"https://id\.gs1\.org/01/\d{14}",
    rf"https://id\.gs1\.org/01/\d{{14}}/235/{_DL_CHARS}{{0,28}}",
    rf"https://id\.gs1\.org/253/\d{{13}}{_DL_CHARS}{{0,17}}",
    r"https://id\.gs1\.org/255/\d{13}\d{0,12}",
    rf"https://id\.gs1\.org/401/{_DL_CHARS}{{0,30}}",
    r"https://id\.gs1\.org/402/\d{17}",
    r"https://id\.gs1\.org/414/\d{13}",
    rf"https://id\.gs1\.org/414/\d{{13}}/254/{_DL_CHARS}{{0,20}}",
    r"https://id\.gs1\.org/417/\d{13}",
    rf"https://id\.gs1\.org/8003/\d{{14}}{_DL_CHARS}{{0,16}}",
    rf"https://id\.gs1\.org/8004/{_DL_CHARS}{{0,30}}",
    rf"https://id\.gs1\.org/8006/\d{{18}}/21/{_DL_CHARS}{{0,20}}",
    rf"https://id\.gs1\.org/8006/\d{{18}}/10/{_DL_CHARS}{{0,20}}",
    r"https://id\.gs1\.org/8006/\d{18}",
    r"https://id\.gs1\.org/8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}/8011/\d{0,12}",
    r"https://id\.gs1\.org/8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}",
    r"https://id\.gs1\.org/8017/\d{18}",
    r"https://id\.gs1\.org/8018/\d{18}",
)]
_QUALIFIED = r"https://id\.gs1\.org/(?:01/\d{14}|8006/\d{18})"


def digital_link(uri: str) -> str | None:
    """The constrained canonical GS1 Digital Link URI of a GS1 key written as an EPC URI, EPC class or pattern
    URI, or a Digital Link on any domain: ``https://id.gs1.org``, no query string, only the finest level of
    identification. ``None`` for anything else (a greenshield waybill, a ``geo:`` point…)."""
    if not isinstance(uri, str) or "." not in uri:
        return None
    if uri.startswith("urn:epc:"):
        for prefix, pattern, build in _EPC_PATTERNS:
            if uri.startswith(prefix):
                match = pattern.match(uri[len(prefix):])
                path = build(match) if match else None
                return "https://id.gs1.org" + path if path else None
        return None
    if not _DL_ANY.match(uri):
        return None
    uri = uri.split("?", 1)[0]
    for short, ai in _DL_SHORT_NAMES:
        uri = uri.replace(f"/{short}/", f"/{ai}/")
    if not _DL_CANONICAL_HOST.match(uri):
        for ai in _DL_KEYS:
            at = uri.find(f"/{ai}/")
            if at != -1:
                uri = "https://id.gs1.org" + uri[at:]
                break
    gtin = re.match(r"^https://id\.gs1\.org/01/(\d+)", uri)
    if gtin and len(gtin[1]) < 14:
        width = len(gtin[1])
        uri = uri.replace("/01/", "/01/" + "0" * (1 if width == 13 else 2 if width == 12 else 6 if width >= 8 else 0))
    uri = re.sub(rf"^({_QUALIFIED})/22/[^/]*", r"\1", uri)  # the consumer product variant is not a key
    uri = re.sub(rf"^({_QUALIFIED})/10/{_DL_CHARS}{{0,20}}(/21/{_DL_CHARS}{{0,20}})$", r"\1\2", uri)  # serial over lot
    return uri if any(p.match(uri) for p in _DL_VALID) else None


# -- the pre-hash string ------------------------------------------------------------------------------------

def _user_extensions(children: list) -> list:
    """Extensions inside a standard field with an extension point (readPoint, sensorElement…): they follow the
    field's own members. At event level they are part of the remaining fields instead."""
    if len(children) <= 1 or any(isinstance(c.name, str) and ("eventTime" in c.name or "action" in c.name)
                                 for c in children):
        return []
    found = [c for c in children if isinstance(c.name, str) and "{" in c.name and "/}" in c.name]
    for c in found:
        children.remove(c)
    return found


def _ordered(children: list, order) -> str:
    extensions = _user_extensions(children)
    text = ""
    for name, sub_order in order:
        values = []
        for child in [c for c in children if c.name == name]:
            piece = _member(child, sub_order)
            if piece:
                values.append(piece)
            if not child.children:
                children.remove(child)
        values.sort()
        text += "".join(values)
    if extensions:
        text += _remaining(extensions)
    return text


def _member(node: Node, sub_order) -> str:
    nested = _ordered(node.children, sub_order) if sub_order else ""
    text = ""
    if node.value:
        text = node.value.strip()
        lowered = node.name.lower()
        text = canonical_time(text) if "time" in lowered and "offset" not in lowered else canonical_value(text)
        if text:
            text = "=" + text
    return node.name + text + nested if text or nested else ""


def _remaining(children: list) -> str:
    values = []
    for child in children:
        if child.is_pair:
            values.append(_remaining(list(child.name)))
            continue
        text = child.value.strip()
        if text:
            text = "=" + canonical_value(text)
        values.append(child.name + text + _remaining(child.children))
    if len(children) > 1 and not any(c.name in ("bizTransaction", "source", "destination") for c in children):
        values.sort()
    return "".join(values)


def namespaces_of(context, vocabulary: Vocabulary) -> dict[str, str]:
    """CURIE prefixes in force for a document: the standard context's, then those its ``@context`` declares."""
    prefixes = dict(vocabulary.prefixes)
    for piece in context if isinstance(context, list) else [context]:
        if isinstance(piece, dict):
            prefixes.update({k: v for k, v in piece.items() if isinstance(k, str) and isinstance(v, str)})
    return prefixes


def prehash(event: Mapping, *, context, vocabulary: Vocabulary, ignore: Iterable[str] = ()) -> str:
    """The pre-hash string of one event of a document whose ``@context`` is ``context``."""
    builder = _Builder(namespaces_of(context, vocabulary), vocabulary, frozenset(ignore))
    tree = _restructure(builder.node(dict(event), ()))
    text = "eventType=" + str(event.get("type", "")) + _ordered(tree.children, PROPERTY_ORDER)
    rest = [c for c in tree.children if c.name not in NOT_HASHED]
    return text + (_remaining(rest) if rest else "")


def event_hash(event: Mapping, *, context, vocabulary: Vocabulary, ignore: Iterable[str] = ()) -> str:
    """The CBV 2.0 event hash ID of one event: ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    digest = hashlib.sha256(prehash(event, context=context, vocabulary=vocabulary, ignore=ignore).encode()).hexdigest()
    return f"ni:///sha-256;{digest}?ver={VERSION}"
