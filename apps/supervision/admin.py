"""The supervision dashboard in the admin, for supervisors and regulators (and operators): the plan's indicators
against their targets, trends of the daily compliance rates and alerts, a table by province and by company, and
the top risk sources with their factors — each linking to the admin's records behind it, which the admin scopes
as the API does. Everything on it comes from the same selectors as the API, so the two never disagree."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from apps.common.admin.base import can_view_admin
from apps.common.permissions import user_may
from apps.organizations.models import Organization
from greenshield.capabilities import Capability
from greenshield.errors import ValidationFailed

from . import selectors
from .models import RiskKind
from .services import china_today

RISK_LIMIT = 5
INDICATOR_LABELS = {
    "delay_rate": "Delay rate", "damage_rate": "Damage rate", "loss_rate": "Loss rate",
    "key_cities_12h": "Key cities within 12 h", "delta_24h": "Delta cities within 24 h",
}


def may_open_dashboard(user) -> bool:
    return can_view_admin(user) and user_may(user, Capability.READ_STATISTICS)


def _changelist(name: str, **filters) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def _risk_link(kind: str, subject: str) -> str:
    if kind == RiskKind.SENDER:
        return reverse("admin:senders_sender_change", args=[subject])
    if kind == RiskKind.OUTLET:
        return _changelist("parcels_acceptancerecord", outlet__id__exact=subject)
    if kind == RiskKind.STAFF:
        return reverse("admin:organizations_staff_change", args=[subject])
    _, _, destination = subject.partition("-")  # the attempts bound for the destination city
    return _changelist("parcels_acceptancerecord", recipient_region_code__startswith=destination[:4])


def _period(request) -> tuple[selectors.Period, str | None]:
    month = request.GET.get("month") or china_today().strftime("%Y-%m")
    try:
        return selectors.period_parse(month=month), None
    except ValidationFailed as error:
        return selectors.period_parse(month=china_today().strftime("%Y-%m")), error.detail


def dashboard_context(user, period: selectors.Period) -> dict:
    """What the dashboard shows for ``user`` over ``period`` (a month), with the links behind each number."""
    after = (period.last + datetime.timedelta(days=1)).isoformat()
    accepted_in = {"accepted_at__gte": period.first.isoformat(), "accepted_at__lt": after}
    indicators = selectors.indicators(user=user, period=period)["indicators"]
    parcel_links = {"delay_rate": {"status__exact": "DELIVERED"}, "damage_rate": {"status__exact": "EXCEPTION"},
                    "loss_rate": {"status__exact": "EXCEPTION"}, "key_cities_12h": {"status__exact": "DELIVERED"},
                    "delta_24h": {"status__exact": "DELIVERED"}}
    for indicator in indicators:
        indicator["label"] = INDICATOR_LABELS[indicator["code"]]
        indicator["link"] = _changelist("parcels_parcel", **accepted_in, **parcel_links[indicator["code"]])
    trend_last = min(period.last, china_today())
    trend_period = selectors.Period(trend_last - datetime.timedelta(days=29), trend_last, "")
    trend = selectors.compliance_statistics(user=user, period=trend_period, group_by="day")
    provinces = selectors.compliance_statistics(user=user, period=period, group_by="province")
    companies = selectors.compliance_statistics(user=user, period=period, group_by="organization")
    recorded_in = {"recorded_at__gte": period.first.isoformat(), "recorded_at__lt": after}
    for row in provinces["rows"]:
        row["link"] = _changelist("organizations_facility", province__exact=row["key"])
    companies_by_code = dict(Organization.objects.filter(code__in=[row["key"] for row in companies["rows"]])
                             .values_list("code", "pk"))
    for row in companies["rows"]:
        row["link"] = _changelist("parcels_acceptancerecord", organization__id__exact=companies_by_code.get(row["key"], ""),
                                  **recorded_in)
    risks = []
    for kind in (RiskKind.OUTLET, RiskKind.SENDER, RiskKind.STAFF, RiskKind.ROUTE):
        found = selectors.risk_sources(user=user, kind=kind, limit=RISK_LIMIT)
        for result in found["results"]:
            result["link"] = _risk_link(kind, result["subject_id"])
        risks.append({"kind": kind, "label": kind.label, "results": found["results"]})
    chart = {
        "days": [row["key"] for row in trend["rows"]],
        "real_name_rate": [row["real_name_rate"] for row in trend["rows"]],
        "screened_rate": [row["screened_rate"] for row in trend["rows"]],
        "inspection_rate": [round(100 * row["inspection_passed"] / (row["inspection_passed"] + row["inspection_failed"]), 2)
                            if row["inspection_passed"] + row["inspection_failed"] else None for row in trend["rows"]],
        "alerts": [sum(row["alerts"].values()) for row in trend["rows"]],
    }
    for row in (*provinces["rows"], *companies["rows"]):
        row["alert_total"] = sum(row["alerts"].values())
    tables = [{"id": "by-province", "caption": "By province (where it happened)", "key": "Province",
               "rows": provinces["rows"]},
              {"id": "by-company", "caption": "By company", "key": "Company", "rows": companies["rows"]}]
    return {"period": period, "indicators": indicators, "trend": trend, "chart": chart, "tables": tables,
            "risks": risks, "risk_window_days": settings.GREENSHIELD_RISK_WINDOW_DAYS,
            "alerts_link": _changelist("compliance_alert", created_at__gte=trend_period.first.isoformat())}


def dashboard(request):
    """``/admin/supervision/``: the month in ``?month=YYYY-MM`` (default this month)."""
    if not may_open_dashboard(request.user):
        raise PermissionDenied
    from django.contrib import admin

    period, error = _period(request)
    previous = (period.first - datetime.timedelta(days=1)).strftime("%Y-%m")
    following = (period.last + datetime.timedelta(days=1)).strftime("%Y-%m")
    context = {**admin.site.each_context(request), "title": f"Supervision — {period.label}", "error": error,
               "previous_month": previous, "next_month": following,
               "csv_links": {
                   "compliance": "/api/v1/stats/compliance/?" + urlencode(
                       {"from": period.first.isoformat(), "to": period.last.isoformat(), "group_by": "facility",
                        "format": "csv"}),
                   "indicators": "/api/v1/stats/indicators/?" + urlencode({"month": period.label, "format": "csv"})},
               **dashboard_context(request.user, period)}
    return TemplateResponse(request, "admin/supervision/dashboard.html", context)
