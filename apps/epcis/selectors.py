"""EPCIS reads, scoped to the user like every read: a parcel's links, and the event query with the standard's
filters, in record-time order with a cursor (``nextPageToken``) so a partner can poll for what is new."""
from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field

import orjson
from django.db.models import Q

from apps.common.filters import aware_instant
from apps.parcels.models import CheckpointEvent
from apps.parcels.selectors import parcel_list
from greenshield.enums import EventType
from greenshield.errors import NotFound, ValidationFailed

from . import vocabulary as v

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100
LINK_RELATED = ("parcel", "facility", "vehicle", "courier", "device")
# What a presenter reads of a link (the scan location, personal data, is never loaded).
LINK_FIELDS = ("id", "type", "occurred_at", "recorded_at", "flags", "detail", "parcel__waybill_no", "facility__code",
               "vehicle__plate", "courier__employee_no", "device__serial")
TIME_FILTERS = {"GE_eventTime": "occurred_at__gte", "LT_eventTime": "occurred_at__lt",
                "GE_recordTime": "recorded_at__gte", "LT_recordTime": "recorded_at__lt"}
LIST_FILTERS = ("EQ_bizStep", "EQ_disposition", "EQ_bizLocation", "EQ_readPoint", "MATCH_epc", "eventType")
PARAMETERS = (*TIME_FILTERS, *LIST_FILTERS)


def _links(queryset):
    return queryset.select_related(*LINK_RELATED).only(*LINK_FIELDS)


def parcel_links(*, user, waybill_no: str):
    """A parcel's links in the order they happened; 404 when the parcel is not in the user's scope."""
    parcel = parcel_list(user=user).select_related(None).filter(waybill_no=waybill_no).only("id", "accepted_at").first()
    if parcel is None:
        raise NotFound()
    return list(_links(CheckpointEvent.objects.of_parcel(parcel)).order_by("occurred_at", "seq"))


@dataclass
class EventQuery:
    """A parsed EPCIS simple event query (what a request's parameters or a subscription's stored query say)."""

    times: dict = field(default_factory=dict)
    lists: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, params) -> EventQuery:
        """From query parameters (a QueryDict, or a subscription's ``{name: value or [values]}``); a list filter
        takes several values repeated or separated by ``|``. Bad values: ``invalid`` with the parameter as attr."""
        query = cls()
        getlist = params.getlist if hasattr(params, "getlist") else (
            lambda name: params.get(name) if isinstance(params.get(name), list) else
            ([] if params.get(name) is None else [params.get(name)]))
        for name in TIME_FILTERS:
            values = getlist(name)
            if values:
                raw = values[-1]  # an unescaped "+" of an offset arrives as a space
                query.times[name] = aware_instant(raw.replace(" ", "+") if isinstance(raw, str) else raw, name)
        for name in LIST_FILTERS:
            values = [part for value in getlist(name) for part in _text(value, name).split("|") if part]
            if values:
                query.lists[name] = values
        return query

    def as_params(self) -> dict:
        params = {name: value.isoformat() for name, value in self.times.items()}
        params.update({name: "|".join(values) for name, values in self.lists.items()})
        return params

    def filter(self, queryset):
        for name, value in self.times.items():
            queryset = queryset.filter(**{TIME_FILTERS[name]: value})
        lists = self.lists
        if "eventType" in lists and "ObjectEvent" not in lists["eventType"]:
            return queryset.none()
        if "EQ_bizStep" in lists:
            queryset = queryset.filter(type__in=set().union(*(v.types_with_biz_step(s) for s in lists["EQ_bizStep"])))
        if "EQ_disposition" in lists:
            words = {v.disposition_word(d) for d in lists["EQ_disposition"]}
            queryset = queryset.filter(type__in=[t.value for t in EventType if t.meta.disposition in words])
        if "EQ_readPoint" in lists:
            queryset = queryset.filter(facility__code__in=_codes(lists["EQ_readPoint"]))
        if "EQ_bizLocation" in lists:
            queryset = queryset.filter(facility__code__in=_codes(lists["EQ_bizLocation"]),
                                       type__in=[t.value for t in EventType if v.at_facility(t)])
        if "MATCH_epc" in lists:
            queryset = queryset.filter(parcel__waybill_no__in=[w for w in map(v.waybill_of, lists["MATCH_epc"]) if w])
        return queryset


def _text(value, name: str) -> str:
    if not isinstance(value, str) or len(value) > 4000 or "\x00" in value:
        raise ValidationFailed(f"{name} must be text.", code="invalid", attr=name)
    return value


def _codes(uris) -> list[str]:
    return [code for code in map(v.facility_code_of, uris) if code]


# -- record-time cursor -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    """A position in record-time order: after the link recorded at ``recorded_at`` with id ``id``."""

    recorded_at: datetime.datetime
    id: int

    def token(self) -> str:
        raw = orjson.dumps([self.recorded_at.isoformat(), self.id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            recorded, link_id = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
            moment = datetime.datetime.fromisoformat(recorded)
            if moment.tzinfo is None or not isinstance(link_id, int) or isinstance(link_id, bool):
                raise ValueError
            if not 0 <= link_id < 2**63:
                raise ValueError
            return cls(moment, link_id)
        except (ValueError, TypeError, orjson.JSONDecodeError, UnicodeError) as exc:
            raise ValidationFailed("nextPageToken is not one this server issued.", code="invalid",
                                   attr="nextPageToken") from exc

    def after(self) -> Q:
        return Q(recorded_at__gt=self.recorded_at) | Q(recorded_at=self.recorded_at, id__gt=self.id)


def event_page(*, user, query: EventQuery, per_page: int, cursor: Cursor | None = None,
               until: datetime.datetime | None = None) -> tuple[list, Cursor | None]:
    """One page of the links in the user's scope that match ``query``, in (record time, id) order after
    ``cursor``, none recorded at or after ``until``; and the cursor of the next page (None at the end)."""
    links = CheckpointEvent.objects.filter(parcel__in=parcel_list(user=user).values("pk"))
    links = query.filter(links)
    if cursor is not None:
        links = links.filter(cursor.after())
    if until is not None:
        links = links.filter(recorded_at__lt=until)
    page = list(_links(links).order_by("recorded_at", "id")[:per_page + 1])
    more = len(page) > per_page
    page = page[:per_page]
    return page, (Cursor(page[-1].recorded_at, page[-1].id) if more and page else None)
