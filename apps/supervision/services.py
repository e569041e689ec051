"""Rollups: recompute one China calendar day from the records (delete + insert in one transaction, so a rerun gives
the same rows), the months those days are in, and — incrementally — the days whose records changed since the last
run; then the risk-source alerts. Every query here is set-based over one day's rows."""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Max, Min, Q, Sum, TextField, Value, When
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from apps.common.locks import xact_lock, xact_try_lock
from apps.compliance.models import Alert
from apps.compliance.services import alert_raise
from apps.organizations.models import Facility, Organization, Staff
from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Inspection, Parcel
from apps.screening.models import Resolution, Screening
from apps.senders.models import Verification
from greenshield import rules
from greenshield import supervision as calc
from greenshield.enums import (
    AlertKind,
    EventFlag,
    EventType,
    Outcome,
    ParcelStatus,
    ResolutionResult,
    ScreeningResult,
)

from .models import (
    ComplianceCompanyDay,
    ComplianceDay,
    ComplianceMonth,
    DeliveryDay,
    OpenParcelsDay,
    RiskAlertState,
    RiskDay,
    RiskKind,
    RollupState,
)

CHINA = ZoneInfo("Asia/Shanghai")
STATE = "default"
INT_FIELDS = ("acceptances", "refused", "real_name_verified", "inspection_passed", "inspection_failed",
              "screened_before_dispatch", "dispatched_unscreened", "holds", "seizures")
COUNTER_FIELDS = ("refusals", "screenings", "alerts", "scans")
HIST_FIELDS = ("ack_hist", "resolve_hist")
TERMINAL = (ParcelStatus.DELIVERED, ParcelStatus.RETURNED, ParcelStatus.SEIZED)
UNSCREENED_FLAG = EventFlag.DISPATCH_WITHOUT_CLEAR_SCREENING.value
ON_HOLD_FLAG = EventFlag.MOVED_WHILE_ON_HOLD.value
OUTLET_ALERT_FACTORS = {AlertKind.BLACKLISTED_STAFF_ATTEMPT: "blacklisted_attempt",
                        AlertKind.INACTIVE_STAFF_ATTEMPT: "blacklisted_attempt",
                        AlertKind.BLACKLISTED_SENDER_ATTEMPT: "blacklisted_attempt",
                        AlertKind.EVENT_ID_CONFLICT: "event_id_conflict"}


def china_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(CHINA).date()


def china_today() -> datetime.date:
    return china_day(timezone.now())


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=CHINA)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=CHINA)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _flags_text():
    return Cast("flags", TextField())


def _reason_q(prefix: str, reasons: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for reason in reasons:
        q |= Q(**{f"{prefix}detail__reason__iexact": reason})
    return Q(**{f"{prefix}type": EventType.EXCEPTION}) & q


# -- compliance counts ------------------------------------------------------------------------------------------

def _empty_counts() -> dict:
    return {**{f: 0 for f in INT_FIELDS}, **{f: {} for f in COUNTER_FIELDS}, **{f: {} for f in HIST_FIELDS}}


def _add(counter: dict, key: str, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


def counts_add(total: dict, values: dict) -> None:
    """Add one set of counts (as ``_empty_counts`` shapes them) to another."""
    for field in INT_FIELDS:
        total[field] += values[field]
    for field in (*COUNTER_FIELDS, *HIST_FIELDS):
        for name, n in (values[field] or {}).items():
            _add(total[field], name, n)


def compliance_counts(start: datetime.datetime, end: datetime.datetime) -> dict[tuple[int, int | None], dict]:
    """The day's counts per (company, facility), from every kind of record of the day."""
    rows: dict[tuple[int, int | None], dict] = defaultdict(_empty_counts)
    for r in (AcceptanceRecord.objects.filter(recorded_at__gte=start, recorded_at__lt=end).order_by()
              .values("organization_id", "outlet_id", "outcome", "refusal_reason").annotate(n=Count("id"))):
        row = rows[(r["organization_id"], r["outlet_id"])]
        if r["outcome"] == Outcome.ACCEPTED:
            row["acceptances"] += r["n"]
        else:
            row["refused"] += r["n"]
            _add(row["refusals"], r["refusal_reason"] or "unknown", r["n"])
    for r in (Verification.objects.filter(acceptance__recorded_at__gte=start, acceptance__recorded_at__lt=end,
                                          identity_matched=True).order_by()
              .values("acceptance__organization_id", "acceptance__outlet_id").annotate(n=Count("id"))):
        rows[(r["acceptance__organization_id"], r["acceptance__outlet_id"])]["real_name_verified"] += r["n"]
    for r in (Inspection.objects.filter(acceptance__recorded_at__gte=start, acceptance__recorded_at__lt=end).order_by()
              .values("acceptance__organization_id", "acceptance__outlet_id", "result")
              .annotate(n=Count("id"), certified=Count("id", filter=~Q(safety_certificate_ref="")))):
        row = rows[(r["acceptance__organization_id"], r["acceptance__outlet_id"])]
        if rules.inspection_passed(result=r["result"], safety_certificate_ref=""):
            passed = r["n"]
        elif rules.inspection_passed(result=r["result"], safety_certificate_ref="certificate"):
            passed = r["certified"]
        else:
            passed = 0
        row["inspection_passed"] += passed
        row["inspection_failed"] += r["n"] - passed
    for r in (Screening.objects.filter(screened_at__gte=start, screened_at__lt=end).order_by()
              .values("facility__organization_id", "facility_id", "result").annotate(n=Count("id"))):
        row = rows[(r["facility__organization_id"], r["facility_id"])]
        _add(row["screenings"], r["result"], r["n"])
        if r["result"] in rules.HOLDING_RESULTS:
            row["holds"] += r["n"]
    for r in (Resolution.objects.filter(resolved_at__gte=start, resolved_at__lt=end, result=ResolutionResult.SEIZED)
              .order_by().values("screening__facility__organization_id", "screening__facility_id")
              .annotate(n=Count("id"))):
        rows[(r["screening__facility__organization_id"], r["screening__facility_id"])]["seizures"] += r["n"]
    day_events = CheckpointEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()
    for r in (day_events.filter(type__in=rules.DISPATCH_TYPES)
              .annotate(flags_text=_flags_text())
              .annotate(unscreened=Case(When(Q(flags_text__contains=UNSCREENED_FLAG), then=Value(True)),
                                        default=Value(False)))
              .values("organization_id", "facility_id", "unscreened").annotate(n=Count("parcel_id", distinct=True))):
        row = rows[(r["organization_id"], r["facility_id"])]
        row["dispatched_unscreened" if r["unscreened"] else "screened_before_dispatch"] += r["n"]
    for r in day_events.values("organization_id", "facility_id", "type").annotate(n=Count("id")):
        _add(rows[(r["organization_id"], r["facility_id"])]["scans"], r["type"], r["n"])
    alerts = Alert.objects.filter(organization__isnull=False).order_by()
    for r in (alerts.filter(created_at__gte=start, created_at__lt=end)
              .values("organization_id", "facility_id", "kind").annotate(n=Count("id"))):
        _add(rows[(r["organization_id"], r["facility_id"])]["alerts"], r["kind"], r["n"])
    for field, hist in (("acknowledged_at", "ack_hist"), ("resolved_at", "resolve_hist")):
        for organization_id, facility_id, created, done in (alerts.filter(**{f"{field}__gte": start, f"{field}__lt": end})
                                                            .values_list("organization_id", "facility_id", "created_at",
                                                                         field)):
            _add(rows[(organization_id, facility_id)][hist], str(calc.bucket_of((done - created).total_seconds())), 1)
    return rows


def _provinces() -> tuple[dict[int, str], dict[int, str]]:
    """Every facility's and company's province (reference data: thousands of rows at most)."""
    return (dict(Facility.objects.order_by().values_list("pk", "province")),
            dict(Organization.objects.order_by().values_list("pk", "province")))


def _place_province(facilities: dict, organizations: dict, organization_id: int, facility_id: int | None) -> str:
    return facilities.get(facility_id) or organizations.get(organization_id, "")


# -- deliveries ---------------------------------------------------------------------------------------------------

def delivery_counts(day: datetime.date, start, end) -> tuple[list[DeliveryDay], list[OpenParcelsDay]]:
    """Parcels accepted on the day, per company and pair of cities: delivered (late, within 12 h / 24 h), damaged,
    reported lost, and the ones still open by the day of their last scan."""
    key_cities = settings.GREENSHIELD_KEY_CITIES
    prefixes = settings.GREENSHIELD_DELTA_PREFIXES
    promised = settings.GREENSHIELD_PROMISED_HOURS
    parcels = (Parcel.objects.filter(accepted_at__gte=start, accepted_at__lt=end).order_by()
               .annotate(delivered_at=Min("events__occurred_at", filter=Q(events__type=EventType.DELIVERED)),
                         last_scan=Max("events__occurred_at"),
                         damaged=Count("events", filter=_reason_q("events__", settings.GREENSHIELD_DAMAGED_REASONS)),
                         lost=Count("events", filter=_reason_q("events__", settings.GREENSHIELD_LOST_REASONS)))
               .values_list("organization_id", "outlet__region_code", "acceptance__recipient_region_code", "status",
                            "accepted_at", "delivered_at", "last_scan", "damaged", "lost"))
    routes: dict[tuple, DeliveryDay] = {}
    still_open: dict[tuple, int] = defaultdict(int)
    for organization_id, origin, destination, status, accepted_at, delivered_at, last_scan, damaged, lost in parcels:
        origin_city, destination_city = calc.city_of(origin), calc.city_of(destination)
        route = routes.get((organization_id, origin_city, destination_city))
        if route is None:
            route_class = calc.route_class(origin_city, destination_city, key_cities=key_cities, delta_prefixes=prefixes)
            route = routes[(organization_id, origin_city, destination_city)] = DeliveryDay(
                day=day, organization_id=organization_id, origin_city=origin_city, destination_city=destination_city,
                origin_province=calc.province_of(origin), destination_province=calc.province_of(destination),
                route_class=route_class, duration_hist={})
        route.accepted += 1
        route.damaged += bool(damaged)
        route.lost_reported += bool(lost)
        if delivered_at is not None:
            seconds = (delivered_at - accepted_at).total_seconds()
            route.delivered += 1
            route.delivered_late += seconds > promised[route.route_class] * 3600
            route.within_12h += seconds <= 12 * 3600
            route.within_24h += seconds <= 24 * 3600
            _add(route.duration_hist, str(calc.bucket_of(seconds)), 1)
        elif status not in TERMINAL and not lost:
            still_open[(organization_id, route.origin_province, route.destination_province,
                        china_day(last_scan or accepted_at))] += 1
    opened = [OpenParcelsDay(day=day, organization_id=o, origin_province=op, destination_province=dp, last_scan_day=d,
                             parcels=n) for (o, op, dp, d), n in still_open.items()]
    return list(routes.values()), opened


# -- risk ---------------------------------------------------------------------------------------------------------

def risk_counts(start, end, provinces: Callable[[int, int | None], str]) -> dict[tuple, int]:
    """(kind, subject, company, province, factor) → count for the day. Each factor is attributed to the subjects it
    says something about: a refusal to its sender, outlet and route; an X-ray find to the sender, to the outlet and
    staff member who accepted the parcel, and to its route; a flagged scan to its facility, courier and route."""
    counts: dict[tuple, int] = defaultdict(int)

    def route(origin: str, destination: str) -> str:
        return f"{calc.city_of(origin)}-{calc.city_of(destination)}"

    def add(organization_id, province, factor, n, **subjects):
        for kind, subject in subjects.items():
            if subject:
                counts[(kind, str(subject), organization_id, province, factor)] += n

    for r in (AcceptanceRecord.objects.filter(recorded_at__gte=start, recorded_at__lt=end, outcome=Outcome.REFUSED)
              .order_by().values("sender_id", "outlet_id", "organization_id", "outlet__province", "outlet__region_code",
                                 "recipient_region_code", "refusal_reason").annotate(n=Count("id"))):
        add(r["organization_id"], r["outlet__province"], f"refused:{r['refusal_reason']}", r["n"], sender=r["sender_id"],
            outlet=r["outlet_id"], route=route(r["outlet__region_code"], r["recipient_region_code"]))
    for r in (Verification.objects.filter(acceptance__recorded_at__gte=start, acceptance__recorded_at__lt=end,
                                          identity_matched=False).order_by()
              .values("sender_id", "verified_by_id", "acceptance__outlet_id", "acceptance__organization_id",
                      "acceptance__outlet__province").annotate(n=Count("id"))):
        add(r["acceptance__organization_id"], r["acceptance__outlet__province"], "identity_mismatch", r["n"],
            sender=r["sender_id"], outlet=r["acceptance__outlet_id"], staff=r["verified_by_id"])
    for r in (Alert.objects.filter(created_at__gte=start, created_at__lt=end, kind__in=list(OUTLET_ALERT_FACTORS),
                                   facility__isnull=False, organization__isnull=False).order_by()
              .values("facility_id", "organization_id", "facility__province", "kind").annotate(n=Count("id"))):
        add(r["organization_id"], r["facility__province"], OUTLET_ALERT_FACTORS[r["kind"]], r["n"],
            outlet=r["facility_id"])
    factors = {ScreeningResult.SUSPECT: "suspect_screening", ScreeningResult.PROHIBITED: "prohibited_screening"}
    for r in (Screening.objects.filter(screened_at__gte=start, screened_at__lt=end, result__in=list(factors)).order_by()
              .values("parcel__sender_id", "parcel__outlet_id", "parcel__acceptance__staff_id", "parcel__organization_id",
                      "facility__province", "parcel__outlet__region_code", "parcel__acceptance__recipient_region_code",
                      "result").annotate(n=Count("id"))):
        add(r["parcel__organization_id"], r["facility__province"], factors[r["result"]], r["n"],
            sender=r["parcel__sender_id"], outlet=r["parcel__outlet_id"], staff=r["parcel__acceptance__staff_id"],
            route=route(r["parcel__outlet__region_code"], r["parcel__acceptance__recipient_region_code"]))
    for r in (Resolution.objects.filter(resolved_at__gte=start, resolved_at__lt=end, result=ResolutionResult.SEIZED)
              .order_by().values("screening__parcel__sender_id", "screening__parcel__outlet_id",
                                 "screening__parcel__acceptance__staff_id", "screening__parcel__organization_id",
                                 "screening__facility__province", "screening__parcel__outlet__region_code",
                                 "screening__parcel__acceptance__recipient_region_code").annotate(n=Count("id"))):
        add(r["screening__parcel__organization_id"], r["screening__facility__province"], "seizure", r["n"],
            sender=r["screening__parcel__sender_id"], outlet=r["screening__parcel__outlet_id"],
            staff=r["screening__parcel__acceptance__staff_id"],
            route=route(r["screening__parcel__outlet__region_code"],
                        r["screening__parcel__acceptance__recipient_region_code"]))
    flagged = (CheckpointEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()
               .annotate(flags_text=_flags_text())
               .filter(Q(flags_text__contains=UNSCREENED_FLAG) | Q(flags_text__contains=ON_HOLD_FLAG)))
    for r in (flagged.values("facility_id", "courier_id", "organization_id", "parcel__outlet__region_code",
                             "parcel__acceptance__recipient_region_code", "flags_text").annotate(n=Count("id"))):
        province = provinces(r["organization_id"], r["facility_id"])
        subjects = {"outlet": r["facility_id"], "staff": r["courier_id"],
                    "route": route(r["parcel__outlet__region_code"], r["parcel__acceptance__recipient_region_code"])}
        if UNSCREENED_FLAG in r["flags_text"]:
            add(r["organization_id"], province, "dispatch_without_screening", r["n"], **subjects)
        if ON_HOLD_FLAG in r["flags_text"]:
            add(r["organization_id"], province, "movement_while_on_hold", r["n"], **subjects)
    return counts


# -- recomputing ---------------------------------------------------------------------------------------------------

def rollup_day(day: datetime.date) -> int:
    """Recompute every rollup of one China day: delete its rows and insert them anew, in one transaction (serialised
    per day, so two runs never interleave). Returns the number of rows written."""
    start, end = day_bounds(day)
    with transaction.atomic():
        xact_lock("rollup", f"day:{day.isoformat()}")
        counts = compliance_counts(start, end)
        facilities, organizations = _provinces()

        def province(organization_id, facility_id):
            return _place_province(facilities, organizations, organization_id, facility_id)

        risk = risk_counts(start, end, province)
        routes, still_open = delivery_counts(day, start, end)
        for model in (ComplianceDay, ComplianceCompanyDay, DeliveryDay, OpenParcelsDay, RiskDay):
            model.objects.filter(day=day).delete()
        ordered = sorted(counts.items(), key=lambda item: (item[0][0], item[0][1] or 0))
        ComplianceDay.objects.bulk_create(
            [ComplianceDay(day=day, organization_id=o, facility_id=f, province=province(o, f), **values)
             for (o, f), values in ordered], batch_size=1000)
        companies: dict[tuple[int, str], dict] = defaultdict(_empty_counts)
        for (o, f), values in ordered:
            counts_add(companies[(o, province(o, f))], values)
        ComplianceCompanyDay.objects.bulk_create(
            [ComplianceCompanyDay(day=day, organization_id=o, province=p, **values)
             for (o, p), values in sorted(companies.items())], batch_size=1000)
        DeliveryDay.objects.bulk_create(routes, batch_size=1000)
        OpenParcelsDay.objects.bulk_create(still_open, batch_size=1000)
        RiskDay.objects.bulk_create(
            [RiskDay(day=day, kind=k, subject=s, organization_id=o, province=p, factor=f, count=n)
             for (k, s, o, p, f), n in sorted(risk.items(), key=lambda item: tuple(map(str, item[0])))],
            batch_size=1000)
        return len(counts) + len(companies) + len(routes) + len(still_open) + len(risk)


def rollup_month(month: datetime.date) -> int:
    """Recompute a month's ComplianceMonth rows from its ComplianceDay rows (in one transaction)."""
    month = month_of(month)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    with transaction.atomic():
        xact_lock("rollup", f"month:{month.isoformat()}")
        days = ComplianceDay.objects.filter(day__gte=month, day__lt=following).order_by()
        totals: dict[tuple, dict] = defaultdict(_empty_counts)
        provinces: dict[tuple, str] = {}
        for row in days.values("organization_id", "facility_id", "province", *INT_FIELDS, *COUNTER_FIELDS,
                               *HIST_FIELDS):
            key = (row["organization_id"], row["facility_id"])
            provinces[key] = row["province"]
            counts_add(totals[key], row)
        ComplianceMonth.objects.filter(month=month).delete()
        ComplianceMonth.objects.bulk_create(
            [ComplianceMonth(month=month, organization_id=o, facility_id=f, province=provinces[(o, f)], **values)
             for (o, f), values in totals.items()], batch_size=1000)
        return len(totals)


def rollup_days(days: Iterable[datetime.date], progress: Callable[[datetime.date, int], None] | None = None) -> int:
    """Recompute each day, then each month they fall in. Idempotent."""
    written = 0
    months = set()
    for day in sorted(set(days)):
        rows = rollup_day(day)
        written += rows
        months.add(month_of(day))
        if progress:
            progress(day, rows)
    for month in sorted(months):
        rollup_month(month)
    return written


def first_record_day() -> datetime.date | None:
    first = [AcceptanceRecord.objects.order_by("recorded_at").values_list("recorded_at", flat=True).first(),
             CheckpointEvent.objects.order_by("recorded_at", "id").values_list("occurred_at", flat=True).first(),
             Alert.objects.order_by("created_at").values_list("created_at", flat=True).first()]
    moments = [m for m in first if m is not None]
    return china_day(min(moments)) if moments else None


def days_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def changed_days(since: datetime.datetime) -> set[datetime.date]:
    """The days whose rollups records recorded at or after ``since`` change: the acceptance day of an attempt, the
    occurrence day of a link and the acceptance day of its parcel, the days an alert was raised, acknowledged and
    resolved. Each lookup goes through an index on the time recorded."""
    def local(field):
        return TruncDate(field, tzinfo=CHINA)

    days = set(AcceptanceRecord.objects.filter(recorded_at__gte=since).order_by()
               .annotate(d=local("recorded_at")).values_list("d", flat=True).distinct())
    for occurred, accepted in (CheckpointEvent.objects.filter(recorded_at__gte=since).order_by()
                               .annotate(o=local("occurred_at"), a=local("parcel__accepted_at"))
                               .values_list("o", "a").distinct()):
        days.update((occurred, accepted))
    alerts = Alert.objects.order_by()
    for field in ("created_at", "acknowledged_at", "resolved_at"):
        days.update(alerts.filter(**{f"{field}__gte": since}).annotate(d=local(field))
                    .values_list("d", flat=True).distinct())
    return {d for d in days if d is not None}


def rollup_changed() -> dict | None:
    """The beat's run: recompute the days changed since the previous run began (less a margin for late commits; the
    first run: every day with records), then the risk alerts. One run at a time: None when another holds the lock."""
    with transaction.atomic():
        if not xact_try_lock("rollup", "run"):
            return None
        started = timezone.now()
        state = RollupState.objects.select_for_update().filter(name=STATE).first()
        if state is None:
            first = first_record_day()
            days = set(days_between(first, china_day(started))) if first else set()
        else:
            days = changed_days(state.watermark - datetime.timedelta(seconds=settings.GREENSHIELD_ROLLUP_MARGIN_SECONDS))
        rows = rollup_days(days)
        raised = risk_alerts_update()
        RollupState.objects.update_or_create(name=STATE, defaults={"watermark": started, "last_run_at": timezone.now(),
                                                                   "days_last_run": len(days)})
        return {"days": len(days), "rows": rows, "alerts": raised}


# -- risk alerts --------------------------------------------------------------------------------------------------

def risk_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or china_today()
    return today - datetime.timedelta(days=settings.GREENSHIELD_RISK_WINDOW_DAYS - 1), today


def risk_alerts_update(today: datetime.date | None = None) -> int:
    """Raise one risk_threshold alert when a subject's score within a company reaches the threshold; it re-arms only
    once the score has fallen below again (a new episode). Returns the number of alerts raised."""
    first, last = risk_window(today)
    scores: dict[tuple, dict[str, int]] = defaultdict(dict)
    for r in (RiskDay.objects.filter(day__gte=first, day__lte=last).order_by()
              .values("kind", "subject", "organization_id", "factor").annotate(n=Sum("count"))):
        scores[(r["kind"], r["subject"], r["organization_id"])][r["factor"]] = r["n"]
    threshold = settings.GREENSHIELD_RISK_THRESHOLD
    weights = settings.GREENSHIELD_RISK_WEIGHTS
    states = {(s.kind, s.subject, s.organization_id): s for s in RiskAlertState.objects.all()}
    raised = 0
    for key, counts in scores.items():
        score, factors = calc.risk_score(counts, weights)
        state = states.get(key)
        if score >= threshold and not (state and state.above):
            state = state or RiskAlertState(kind=key[0], subject=key[1], organization_id=key[2])
            state.above, state.score = True, score
            state.save()
            raised += _risk_alert(state, score, factors, threshold) is not None
    for key, state in states.items():
        if state.above and calc.risk_score(scores.get(key, {}), weights)[0] < threshold:
            state.above, state.episode = False, state.episode + 1
            state.save(update_fields=["above", "episode"])
    return raised


def _risk_alert(state: RiskAlertState, score: float, factors, threshold: float):
    facility_id = None
    if state.kind == RiskKind.OUTLET:
        facility_id = int(state.subject)
    elif state.kind == RiskKind.STAFF:
        facility_id = Staff.objects.filter(pk=state.subject).values_list("facility_id", flat=True).first()
    return alert_raise(
        kind=AlertKind.RISK_THRESHOLD, organization=Organization.objects.get(pk=state.organization_id),
        facility_id=facility_id,
        summary=f"Risk source ({state.kind}) scored {score:g}, at or above the threshold {threshold:g}",
        detail={"risk_kind": state.kind, "subject": state.subject, "score": score,
                "factors": [f.as_dict() for f in factors]},
        dedup_key=f"risk:{state.kind}:{state.subject}:{state.organization_id}:{state.episode}"[:200])
