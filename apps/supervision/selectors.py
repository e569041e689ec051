"""Reads over the rollups, scoped to the caller (``Model.objects.restrict``): compliance statistics by day, facility,
company or province; the service-quality indicators; risk sources. A fixed number of queries each, whatever the
range — the events table is never read."""
from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db.models import Q, Sum, TextField
from django.db.models.functions import Cast

from apps.organizations.models import Facility, Staff
from apps.senders.models import Sender
from greenshield import masking
from greenshield import supervision as calc
from greenshield.enums import PROVINCE_NAMES, Province
from greenshield.errors import ValidationFailed

from .models import ComplianceCompanyDay, ComplianceDay, ComplianceMonth, DeliveryDay, OpenParcelsDay, RiskDay, RiskKind
from .services import COUNTER_FIELDS, HIST_FIELDS, INT_FIELDS, china_today, month_of, risk_window

GROUP_BY = ("day", "facility", "organization", "province")
RISK_KINDS = tuple(k.value for k in RiskKind)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# -- input ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date
    label: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _date(value: str, attr: str) -> datetime.date:
    try:
        if not DATE.match(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{attr} is a date, YYYY-MM-DD.", code="invalid_range", attr=attr) from None


def period_parse(*, start: str | None = None, end: str | None = None, month: str | None = None,
                 default_days: int = 30) -> Period:
    """The days asked for: ``month`` (YYYY-MM), or ``from``/``to`` (YYYY-MM-DD, inclusive; default the last
    ``default_days`` days to today). ``invalid_range`` for malformed or reversed dates, ``range_too_long`` beyond
    GREENSHIELD_STATS_MAX_RANGE_DAYS."""
    if month:
        match = MONTH.match(month)
        if not match or (start or end) or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
            raise ValidationFailed("month is YYYY-MM, without from/to.", code="invalid_range", attr="month")
        first = datetime.date(int(match[1]), int(match[2]), 1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return Period(first, last, month)
    last = _date(end, "to") if end else china_today()
    first = _date(start, "from") if start else last - datetime.timedelta(days=default_days - 1)
    if first > last:
        raise ValidationFailed("from is after to.", code="invalid_range", attr="from")
    period = Period(first, last, f"{first.isoformat()}/{last.isoformat()}")
    if period.days > settings.GREENSHIELD_STATS_MAX_RANGE_DAYS:
        raise ValidationFailed(f"At most {settings.GREENSHIELD_STATS_MAX_RANGE_DAYS} days at once.",
                               code="range_too_long", attr="to")
    return period


def choice(value: str | None, choices: tuple[str, ...], attr: str, default: str | None = None) -> str:
    value = value if value not in (None, "") else default
    if value not in choices:
        raise ValidationFailed(f"{attr} is one of {', '.join(choices)}.", code="invalid_choice", attr=attr)
    return value


def province_choice(value: str | None) -> str | None:
    return choice(value, tuple(p.value for p in Province), "province") if value else None


# -- compliance statistics ------------------------------------------------------------------------------------------

def _full_months(period: Period) -> list[datetime.date]:
    months, month = [], month_of(period.first)
    if month < period.first:
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    while True:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        if following - datetime.timedelta(days=1) > period.last:
            return months
        months.append(month)
        month = following


def _empty() -> dict:
    return {**{f: 0 for f in INT_FIELDS}, **{f: {} for f in COUNTER_FIELDS}, **{f: {} for f in HIST_FIELDS}}


def _accumulate(total: dict, row: dict) -> None:
    for field in INT_FIELDS:
        total[field] += row[field]
    for field in (*COUNTER_FIELDS, *HIST_FIELDS):
        counter = total[field]
        for name, n in (row[field] or {}).items():
            counter[name] = counter.get(name, 0) + n


def _present(values: dict) -> dict:
    out = {f: values[f] for f in INT_FIELDS}
    for field in COUNTER_FIELDS:
        out[field] = dict(sorted(values[field].items()))
    out["ack_p50_s"] = calc.percentile(values["ack_hist"], 0.5)
    out["ack_p90_s"] = calc.percentile(values["ack_hist"], 0.9)
    out["resolve_p50_s"] = calc.percentile(values["resolve_hist"], 0.5)
    out["resolve_p90_s"] = calc.percentile(values["resolve_hist"], 0.9)
    attempts = values["acceptances"] + values["refused"]
    dispatched = values["screened_before_dispatch"] + values["dispatched_unscreened"]
    # Daily compliance rates (%, None without a denominator): the dashboard's trend lines.
    out["real_name_rate"] = round(100 * values["real_name_verified"] / attempts, 2) if attempts else None
    out["screened_rate"] = round(100 * values["screened_before_dispatch"] / dispatched, 2) if dispatched else None
    return out


def _key(group_by: str, row: dict, period_field: str) -> tuple[str, str]:
    if group_by == "day":
        return row[period_field].isoformat(), row[period_field].isoformat()
    if group_by == "facility":
        if row["facility__code"]:
            return row["facility__code"], row["facility__name"]
        return f"({row['organization__code']})", f"{row['organization__name']} (no facility)"
    if group_by == "organization":
        return row["organization__code"], row["organization__name"]
    return row["province"], PROVINCE_NAMES.get(row["province"], row["province"])


JSON_FIELDS = (*COUNTER_FIELDS, *HIST_FIELDS)
# JSON columns are read as text and parsed once with orjson: a year by day is tens of thousands of rows.
AS_TEXT = {f"{field}_text": Cast(field, TextField()) for field in JSON_FIELDS}


def compliance_statistics(*, user, period: Period, group_by: str) -> dict:
    """Counts per group over the period and their totals. Whole months come from the monthly rollups (except by
    day), the rest from the daily ones: two queries."""
    months = [] if group_by == "day" else _full_months(period)
    fields = ("organization__code", "organization__name", "province", *INT_FIELDS)
    facility_fields = ("facility__code", "facility__name")
    day_filter = Q(day__gte=period.first, day__lte=period.last)
    if months:
        after = (months[-1] + datetime.timedelta(days=32)).replace(day=1)
        day_filter = Q(day__gte=period.first, day__lt=months[0]) | Q(day__gte=after, day__lte=period.last)
    groups: dict[str, dict] = {}
    labels: dict[str, str] = {}
    # By facility: the facility rows; otherwise the days summed per company and province.
    days = ComplianceDay if group_by == "facility" else ComplianceCompanyDay
    sources = [(days.objects.restrict(user).filter(day_filter), "day", days is ComplianceDay)]
    if months:
        sources.append((ComplianceMonth.objects.restrict(user).filter(month__in=months), "month", True))
    for queryset, period_field, per_facility in sources:
        columns = (period_field, *fields, *(facility_fields if per_facility else ()), *AS_TEXT)
        for row in queryset.order_by().annotate(**AS_TEXT).values(*columns).iterator(chunk_size=5000):
            key, label = _key(group_by, row, period_field)
            labels[key] = label
            group = groups.get(key)
            if group is None:
                group = groups[key] = _empty()
            for field in INT_FIELDS:
                group[field] += row[field]
            for field in JSON_FIELDS:
                text = row[f"{field}_text"]
                if text and text != "{}":
                    counter = group[field]
                    for name, n in orjson.loads(text).items():
                        counter[name] = counter.get(name, 0) + n
    totals = _empty()
    for group in groups.values():
        _accumulate(totals, group)
    if group_by == "day":  # every day of the period, zeros included: a trend has no gaps
        for n in range(period.days):
            day = (period.first + datetime.timedelta(days=n)).isoformat()
            groups.setdefault(day, _empty())
            labels.setdefault(day, day)
    rows = [{"key": key, "label": labels[key], **_present(groups[key])} for key in sorted(groups)]
    return {"from": period.first.isoformat(), "to": period.last.isoformat(), "group_by": group_by, "rows": rows,
            "totals": _present(totals)}


# -- indicators ----------------------------------------------------------------------------------------------------

def indicator_definitions() -> dict[str, calc.IndicatorDefinition]:
    targets = settings.GREENSHIELD_INDICATOR_TARGETS
    return {
        "delay_rate": calc.IndicatorDefinition("delay_rate", "‰", 1000, targets["delay_rate"]),
        "damage_rate": calc.IndicatorDefinition("damage_rate", "per 100,000", 100_000, targets["damage_rate"]),
        "loss_rate": calc.IndicatorDefinition("loss_rate", "per 100,000", 100_000, targets["loss_rate"]),
        "key_cities_12h": calc.IndicatorDefinition("key_cities_12h", "%", 100, targets["key_cities_12h"], True),
        "delta_24h": calc.IndicatorDefinition("delta_24h", "%", 100, targets["delta_24h"], True),
    }


def indicators(*, user, period: Period, organization: str | None = None, province: str | None = None,
               today: datetime.date | None = None) -> dict:
    """The plan's indicators for parcels accepted in the period (by company code, by origin province): two queries."""
    filters = Q(day__gte=period.first, day__lte=period.last)
    if organization:
        filters &= Q(organization__code=organization)
    if province:
        filters &= Q(origin_province=province)
    sums = {r["route_class"]: r for r in (
        DeliveryDay.objects.restrict(user).filter(filters).order_by().values("route_class")
        .annotate(accepted=Sum("accepted"), delivered=Sum("delivered"), late=Sum("delivered_late"),
                  w12=Sum("within_12h"), w24=Sum("within_24h"), damaged=Sum("damaged"), lost=Sum("lost_reported")))}
    silent_since = (today or china_today()) - datetime.timedelta(days=settings.GREENSHIELD_LOST_AFTER_DAYS)
    silent = (OpenParcelsDay.objects.restrict(user).filter(filters, last_scan_day__lt=silent_since)
              .aggregate(n=Sum("parcels"))["n"] or 0)

    def total(field, *classes):
        return sum(r[field] or 0 for c, r in sums.items() if not classes or c in classes)

    definitions = indicator_definitions()
    accepted = total("accepted")
    values = [
        calc.indicator(definitions["delay_rate"], total("late"), total("delivered")),
        calc.indicator(definitions["damage_rate"], total("damaged"), accepted),
        calc.indicator(definitions["loss_rate"], total("lost") + silent, accepted),
        calc.indicator(definitions["key_cities_12h"], total("w12", calc.KEY_CITIES), total("delivered", calc.KEY_CITIES)),
        calc.indicator(definitions["delta_24h"], total("w24", calc.DELTA), total("delivered", calc.DELTA)),
    ]
    return {"period": period.label, "from": period.first.isoformat(), "to": period.last.isoformat(),
            "organization": organization, "province": province, "indicators": [i.as_dict() for i in values]}


# -- risk sources ------------------------------------------------------------------------------------------------------

def _labels(kind: str, subjects: list[str]) -> dict[str, dict]:
    """What to show for each subject (senders masked) and the id of the record behind it."""
    if kind == RiskKind.SENDER:
        return {str(s.pk): {"subject": f"{s.masked['name']} {s.id_type} {s.masked['id_number']}", "record": str(s.pk)}
                for s in Sender.objects.filter(pk__in=subjects)}
    if kind == RiskKind.OUTLET:
        ids = [int(s) for s in subjects if s.isdigit()]
        return {str(pk): {"subject": f"{code} {name}", "record": str(pk)}
                for pk, code, name in Facility.objects.filter(pk__in=ids).values_list("pk", "code", "name")}
    if kind == RiskKind.STAFF:
        return {str(s.pk): {"subject": f"{s.employee_no} {masking.mask_name(s.name)}", "record": str(s.pk)}
                for s in Staff.objects.filter(pk__in=subjects)}
    return {s: {"subject": s.replace("-", " → "), "record": s} for s in subjects}


def risk_sources(*, user, kind: str, limit: int = 20, today: datetime.date | None = None) -> dict:
    """The highest scores over the rolling window, of what the caller may see, each with its factors."""
    first, last = risk_window(today)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in (RiskDay.objects.restrict(user).filter(kind=kind, day__gte=first, day__lte=last).order_by()
              .values("subject", "factor").annotate(n=Sum("count"))):
        counts[r["subject"]][r["factor"]] = r["n"]
    weights = settings.GREENSHIELD_RISK_WEIGHTS
    scored = sorted(((subject, *calc.risk_score(factors, weights)) for subject, factors in counts.items()),
                    key=lambda item: (-item[1], item[0]))[:limit]
    labels = _labels(kind, [subject for subject, _, _ in scored])
    results = [{"subject": labels.get(subject, {}).get("subject", subject), "subject_id": subject, "score": score,
                "factors": [f.as_dict() for f in factors]} for subject, score, factors in scored]
    return {"kind": kind, "window_days": settings.GREENSHIELD_RISK_WINDOW_DAYS, "from": first.isoformat(),
            "to": last.isoformat(), "threshold": settings.GREENSHIELD_RISK_THRESHOLD, "results": results}
