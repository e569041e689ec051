"""Demo history: the past N days of the demo network, written in minutes (``simulate --days N``).

A discrete-event simulation. Each acceptance attempt is scheduled at a time of the past N days; the parcel's story is
then played step by step — refused or accepted, X-rayed at the hub (a few held, re-checked, seized; a few dispatched
unscreened), carried, delivered on time or late, damaged, lost — through the services the API calls
(``acceptance_record``, ``screening_record``, ``screening_resolve``, ``events_capture``, ``alert_acknowledge``,
``alert_resolve``). The services run under a simulated clock (``apps.common.clock``) that the simulation moves forward
through the past, so every stored time is back-dated consistently and chains, audit log and transparency log verify.
Scanners upload what they scanned every ``UPLOAD_EVERY``; supervisors acknowledge and resolve alerts after a while.

The rates of :class:`Profile` are well above the plan's targets on purpose: a month of a small network must show every
curve. The same seed tells the same story (the same attempts, outcomes and times); identifiers (waybills, event ids)
are fresh, so the command can run again on the same database.
"""
from __future__ import annotations

import dataclasses
import datetime
import heapq
import itertools
import random
import uuid
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Device, User
from apps.common.clock import SimulatedClock, clock_simulated
from apps.compliance.models import Alert
from apps.compliance.services import alert_acknowledge, alert_resolve
from apps.organizations.models import Facility, Organization, Staff
from apps.parcels.services import acceptance_record
from apps.screening.services import screening_record, screening_resolve, unscreened_sweep
from apps.senders.services import blacklist_create, sender_blacklist_entry
from apps.transparency.services import log_integrate
from greenshield import rules
from greenshield.enums import AlertSeverity, AlertStatus, BlacklistSubject, FacilityKind, Role, StaffStatus
from greenshield.identity import make_resident_id

from .ingest import events_capture

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
GOODS = ["书籍", "衣服", "手机壳", "茶叶", "文件", "玩具", "鞋子", "化妆品", "零食", "数据线"]
UPLOAD_EVERY = datetime.timedelta(hours=1)  # scanners sync their scans this often
COMMIT_EVERY = datetime.timedelta(hours=2)  # one transaction per two simulated hours, then the log integrates
HOUR = datetime.timedelta(hours=1)


class SimulationError(Exception):
    """A service refused what the simulator sent: a bug in the simulator, never in the data."""


@dataclass(frozen=True)
class Profile:
    """How often each thing happens (fractions of acceptance attempts, or of accepted parcels)."""

    per_day: int = 40  # acceptance attempts a day across the network
    identity_mismatch: float = 0.012
    prohibited_declared: float = 0.008  # the outlet's inspection finds a prohibited item
    unconfirmable: float = 0.006
    inspection_refused: float = 0.004
    blacklisted_attempt: float = 0.004
    unscreened: float = 0.01  # dispatched without an X-ray
    suspect: float = 0.035
    prohibited_xray: float = 0.004
    seized_of_suspect: float = 0.15
    moved_while_on_hold: float = 0.08  # of held parcels
    delivery_failed: float = 0.05  # first attempt fails, the next is a day later
    delayed: float = 0.02  # misrouted or held up by the weather: days late
    damaged: float = 0.006
    lost: float = 0.004  # reported lost (EXCEPTION LOST)
    vanished: float = 0.002  # never scanned again after departure
    risky_senders: float = 0.04  # of the sender pool; they try prohibited items ten times as often
    alert_neglected: float = 0.05  # never acknowledged

    INCIDENTS = ("identity_mismatch", "prohibited_declared", "unconfirmable", "inspection_refused",
                 "blacklisted_attempt", "unscreened", "suspect", "prohibited_xray", "delivery_failed", "delayed",
                 "damaged", "lost", "vanished")

    def scaled(self, incidents: float) -> Profile:
        """The same profile with every incident ``incidents`` times as frequent (a short run that must show each)."""
        return dataclasses.replace(self, **{name: min(getattr(self, name) * incidents, 0.2)
                                           for name in self.INCIDENTS})


@dataclass
class Company:
    organization: Organization
    outlets: list  # (Facility, outlet_staff account)
    hub: Facility
    screener: User
    supervisor: User
    stations: list
    vehicles: list
    couriers: dict  # station id -> [employee_no]
    devices: dict  # facility id -> Device


@dataclass
class Sender:
    data: dict
    risky: bool = False


@dataclass(order=True)
class _Scheduled:
    at: datetime.datetime
    seq: int
    process: Generator = field(compare=False)


class History:
    """One run of the simulation over ``[start, end)``; ``run()`` returns the counts."""

    def __init__(self, *, days: int, seed: int | None, profile: Profile | None = None,
                 end: datetime.datetime | None = None, progress: Callable[[int, int], None] | None = None):
        self.profile = profile or Profile()
        self.rng = random.Random(seed)
        self.alert_rng = random.Random(self.rng.getrandbits(64))
        self.end = end or timezone.now()
        first_day = timezone.localdate(self.end) - datetime.timedelta(days=days)
        self.days = [first_day + datetime.timedelta(days=n) for n in range(days)]
        self.start = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(0, 0)))
        self.clock = SimulatedClock(self.start)
        self.progress = progress
        self.queue: list[_Scheduled] = []
        self.sequence = itertools.count()
        self.uploads: dict[int, list[dict]] = {}
        self.stats: Counter = Counter()
        self.alerts_seen_until = self.start

    # -- the network ------------------------------------------------------------------------------------------
    def _companies(self) -> list[Company]:
        companies = []
        for org in Organization.objects.order_by("code"):
            facilities = list(org.facilities.order_by("code"))
            accounts = {u.facility_id: u for u in User.objects.filter(
                groups__name=Role.OUTLET_STAFF, organization=org, staff__isnull=False, is_active=True,
                staff__status=StaffStatus.ACTIVE).select_related("facility", "staff").order_by("username")}
            outlets = [(f, accounts[f.pk]) for f in facilities if f.kind == FacilityKind.OUTLET and f.pk in accounts]
            hubs = [f for f in facilities if f.kind == FacilityKind.HUB]
            stations = [f for f in facilities if f.kind == FacilityKind.STATION]
            screener = (User.objects.filter(groups__name=Role.SCREENER, organization=org, staff__isnull=False,
                                            staff__status=StaffStatus.ACTIVE, is_active=True)
                        .select_related("staff", "facility").order_by("username").first())
            supervisor = User.objects.filter(groups__name=Role.SUPERVISOR, organization=org,
                                             is_active=True).order_by("username").first()
            couriers = {s.pk: list(Staff.objects.filter(facility=s, status=StaffStatus.ACTIVE).order_by("employee_no")
                                   .values_list("employee_no", flat=True)) for s in stations}
            stations = [s for s in stations if couriers[s.pk]]
            devices = {d.facility_id: d for d in Device.objects.filter(
                organization=org, is_active=True, serial__startswith="SCN-").select_related("organization")}
            if not (outlets and hubs and stations and screener and supervisor and org.vehicles.exists()):
                continue
            hub = next((h for h in hubs if h.pk == screener.facility_id), hubs[0])
            if any(f.pk not in devices for f in [hub, *stations]):
                continue
            companies.append(Company(organization=org, outlets=outlets, hub=hub, screener=screener,
                                     supervisor=supervisor, stations=stations,
                                     vehicles=list(org.vehicles.order_by("plate").values_list("plate", flat=True)),
                                     couriers=couriers, devices=devices))
        return companies

    def _senders(self, count: int) -> list[Sender]:
        regions = sorted(set(Facility.objects.values_list("region_code", flat=True))) or ["310104"]
        senders = []
        for n in range(count):
            region = self.rng.choice(regions)
            birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=self.rng.randrange(0, 40 * 365))
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN) + self.rng.choice(GIVEN)[: self.rng.randrange(2)]
            senders.append(Sender({
                "kind": "PERSON", "name": name, "id_type": "RESIDENT_ID",
                "id_number": make_resident_id(region, birth, n % 1000), "phone": _mobile(self.rng),
                "address": f"演示路{n}号"}, risky=self.rng.random() < self.profile.risky_senders))
        return senders

    def _blacklist(self, senders: list[Sender], company: Company) -> list[Sender]:
        """Two senders the province's regulator barred before the window opened."""
        regulator = User.objects.filter(groups__name=Role.REGULATOR, is_active=True,
                                        province=company.organization.province).order_by("username").first()
        barred = senders[-2:]
        for sender in barred:
            if regulator is None:
                return []
            if sender_blacklist_entry(organization=company.organization, id_type=sender.data["id_type"],
                                      id_number=sender.data["id_number"]) is None:
                blacklist_create(actor=regulator, subject=BlacklistSubject.SENDER, reason="演示：多次寄递违禁物品",
                                 id_type=sender.data["id_type"], id_number=sender.data["id_number"])
        return barred

    # -- the run ----------------------------------------------------------------------------------------------
    def run(self) -> Counter:
        companies = self._companies()
        if not companies:
            raise SimulationError("No demo network found: run `python manage.py load_demo` first.")
        attempts = self.profile.per_day * len(self.days)
        senders = self._senders(max(30, attempts // 4))
        with clock_simulated(self.clock):
            with transaction.atomic():
                barred = self._blacklist(senders, companies[0])
            for day in self.days:
                for _ in range(self.profile.per_day):
                    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0))) + \
                        datetime.timedelta(seconds=self.rng.uniform(0, 12 * 3600))
                    company = self.rng.choice(companies)
                    blacklisted = barred and self.rng.random() < self.profile.blacklisted_attempt
                    sender = self.rng.choice(barred if blacklisted else senders[:-2])
                    self._spawn(at, self._parcel(company, sender, random.Random(self.rng.getrandbits(64))))
            done = 0
            window_end = self.start
            while window_end < self.end:
                window_end = min(window_end + COMMIT_EVERY, self.end)
                with transaction.atomic():
                    done = self._play_until(window_end)
                log_integrate()
                if self.progress:
                    self.progress(done, attempts)
            with transaction.atomic():  # the scanners' last sync: nothing that happened is left on a device
                self.clock.advance_to(self.end)
                self._tick()
            log_integrate()
        self.stats["attempts"] = attempts
        return self.stats

    def _spawn(self, at: datetime.datetime, process: Generator) -> None:
        heapq.heappush(self.queue, _Scheduled(at, next(self.sequence), process))

    def _play_until(self, until: datetime.datetime) -> int:
        """Play every step due before ``until``, uploading scans and picking up alerts on the way; returns how many
        acceptance attempts have been played so far."""
        tick = self._next_tick(self.clock.now())
        while True:
            due = self.queue[0].at if self.queue and self.queue[0].at < until else None
            if tick <= until and (due is None or tick <= due):
                self.clock.advance_to(tick)
                self._tick()
                tick += UPLOAD_EVERY
                continue
            if due is None:
                break
            step = heapq.heappop(self.queue)
            self.clock.advance_to(step.at)
            try:
                wait = next(step.process)
            except StopIteration:
                continue
            self._spawn(wait if isinstance(wait, datetime.datetime) else step.at + wait, step.process)
        return self.stats["stories"]

    def _after_upload(self, at: datetime.datetime) -> datetime.datetime:
        """``at``, or just after the next upload if that comes later: a step recorded by a service (an X-ray, a
        re-check) follows the scans before it in the chain too."""
        return max(at, self._next_tick(self.clock.now()) + datetime.timedelta(minutes=1))

    def _next_tick(self, at: datetime.datetime) -> datetime.datetime:
        since = at - self.start
        return self.start + UPLOAD_EVERY * (since // UPLOAD_EVERY + 1)

    def _tick(self) -> None:
        """What happens on the clock, not per parcel: scanners upload, the unscreened sweep runs each hour (as
        Celery beat does), supervisors notice new alerts."""
        now = self.clock.now()
        for device_id in sorted(self.uploads):
            batch = self.uploads.pop(device_id)
            device = batch[0]["_device"]
            events = [{k: v for k, v in event.items() if k != "_device"} for event in batch]
            response = events_capture(device=device, events=events, now=now)
            if response["summary"]["rejected"] or response["summary"]["conflicts"]:
                errors = [r["errors"] for r in response["results"] if r["errors"]]
                raise SimulationError(f"scans refused by ingest: {errors[:3]}")
            self.stats["scans"] += response["summary"]["accepted"]
        if (now - self.start) % HOUR == datetime.timedelta(0):
            self.stats["unscreened_overdue_alerts"] += unscreened_sweep(now=now)
        self._alerts_notice(now)

    # -- alerts -------------------------------------------------------------------------------------------------
    def _alerts_notice(self, now: datetime.datetime) -> None:
        fresh = list(Alert.objects.filter(created_at__gt=self.alerts_seen_until, created_at__lte=now,
                                          organization__isnull=False, status=AlertStatus.OPEN)
                     .order_by("created_at", "kind", "waybill_no", "dedup_key"))
        self.alerts_seen_until = now
        for alert in fresh:
            self.stats["alerts"] += 1
            if self.alert_rng.random() < self.profile.alert_neglected:
                continue
            median_minutes = {AlertSeverity.CRITICAL: 20, AlertSeverity.HIGH: 60,
                              AlertSeverity.WARNING: 180}.get(alert.severity, 480)
            acknowledge_after = datetime.timedelta(minutes=self.alert_rng.lognormvariate(0, 0.8) * median_minutes)
            resolve_after = datetime.timedelta(hours=self.alert_rng.lognormvariate(0, 0.9) * 4)
            self._spawn(alert.created_at + acknowledge_after, self._alert_handling(alert.pk, resolve_after))

    def _alert_handling(self, alert_id, resolve_after: datetime.timedelta) -> Generator:
        alert = Alert.objects.select_related("organization").get(pk=alert_id)
        supervisor = User.objects.filter(groups__name=Role.SUPERVISOR, organization=alert.organization_id,
                                         is_active=True).order_by("username").first()
        if supervisor is None:
            return
        if rules.alert_may("acknowledge", alert.status):
            alert_acknowledge(alert=alert, actor=supervisor, note="已查看")
            self.stats["alerts_acknowledged"] += 1
        yield resolve_after
        alert.refresh_from_db()
        if rules.alert_may("resolve", alert.status):
            alert_resolve(alert=alert, actor=supervisor, note="已处理")
            self.stats["alerts_resolved"] += 1

    # -- one parcel -----------------------------------------------------------------------------------------------
    def _scan(self, company: Company, facility: Facility, waybill: str, type: str, *, vehicle: str | None = None,
              courier: str | None = None, detail: dict | None = None, rng: random.Random) -> None:
        device = company.devices[facility.pk]
        self.uploads.setdefault(device.pk, []).append({
            "_device": device, "event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": type,
            "occurred_at": self.clock.now().isoformat(), "facility": facility.code, "vehicle": vehicle,
            "courier": courier, "location": {"lat": round(30 + rng.random() * 3, 5),
                                             "lon": round(119 + rng.random() * 3, 5)},
            "detail": detail or {}})

    def _acceptance(self, company: Company, sender: Sender, rng: random.Random) -> tuple[Facility, dict]:
        p = self.profile
        outlet, account = rng.choice(company.outlets)
        station = rng.choice(company.stations)
        roll = rng.random()
        inspection, matched, category = "PASS", True, None
        prohibited = p.prohibited_declared * (10 if sender.risky else 1)
        if roll < prohibited:
            inspection = "PROHIBITED_FOUND"
        elif roll < prohibited + p.unconfirmable:
            inspection = "UNCONFIRMABLE"
        elif roll < prohibited + p.unconfirmable + p.inspection_refused:
            inspection = "REFUSED_BY_SENDER"
        elif roll < prohibited + p.unconfirmable + p.inspection_refused + p.identity_mismatch:
            matched = False
        body = dict(
            account=account, sender=sender.data,
            recipient={"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "region_code": station.region_code,
                       "phone": _mobile(rng), "address": f"{station.name}附近演示街{rng.randrange(1, 500)}号"},
            items=[{"name": rng.choice(GOODS), "quantity": rng.randrange(1, 4), "prohibited_category": category}],
            weight_g=rng.randrange(100, 20000),
            verification={"method": rng.choice(["ID_CARD_READER", "ID_CARD_READER", "ELECTRONIC_ID"]),
                          "identity_matched": matched},
            inspection={"sender_present": True, "result": inspection, "notes": ""})
        return station, body

    def _parcel(self, company: Company, sender: Sender, rng: random.Random) -> Generator:
        """One acceptance attempt and, if accepted, the parcel's way to its recipient (or not)."""
        p = self.profile
        self.stats["stories"] += 1
        station, body = self._acceptance(company, sender, rng)
        record = acceptance_record(**body)
        if record.outcome != "ACCEPTED":
            self.stats["refused"] += 1
            self.stats[f"refused_{record.refusal_reason}"] += 1
            return
        self.stats["accepted"] += 1
        waybill, hub = record.waybill_no, company.hub
        scan = self._scan
        yield _hours(rng, 1, 3)  # picked up from the outlet, trucked to the hub
        scan(company, hub, waybill, "ARRIVED", rng=rng)
        yield self._after_upload(self.clock.now() + _hours(rng, 0.3, 1))  # the X-ray, once the arrival is in
        held = None
        if rng.random() < p.unscreened:
            self.stats["unscreened"] += 1
        else:
            roll = rng.random()
            result = "PROHIBITED" if roll < p.prohibited_xray else "SUSPECT" if roll < p.prohibited_xray + p.suspect \
                else "CLEAR"
            screening = screening_record(
                actor=company.screener, waybill_no=waybill, facility=hub.code, machine_id=f"XR-{rng.randrange(1, 4):02d}",
                result=result, image_ref=f"xray://{hub.code}/{waybill}.png", image_sha256=f"{rng.getrandbits(256):064x}",
                screened_at=self.clock.now())
            self.stats[f"screened_{result.lower()}"] += 1
            held = screening if result != "CLEAR" else None
        vehicle = rng.choice(company.vehicles)
        if held is not None:
            if rng.random() < p.moved_while_on_hold:
                yield _hours(rng, 0.2, 0.5)
                scan(company, hub, waybill, "LOADED", vehicle=vehicle, rng=rng)  # flagged: moved while on hold
                self.stats["moved_while_on_hold"] += 1
            yield self._after_upload(self.clock.now() + _hours(rng, 1, 5))  # the open-box re-check
            seize = held.result == "PROHIBITED" or rng.random() < p.seized_of_suspect
            screening_resolve(user=company.screener, screening=held, result="SEIZED" if seize else "CLEARED",
                              notes="开箱复检")
            if seize:
                self.stats["seized"] += 1
                return
        yield _hours(rng, 0.3, 1)
        scan(company, hub, waybill, "SORTED", rng=rng)
        yield _hours(rng, 0.3, 1.5)
        scan(company, hub, waybill, "LOADED", vehicle=vehicle, rng=rng)
        yield _hours(rng, 0.1, 0.4)
        scan(company, hub, waybill, "DEPARTED", vehicle=vehicle, rng=rng)
        roll = rng.random()
        if roll < p.vanished:
            self.stats["vanished"] += 1
            return
        if roll < p.vanished + p.lost:
            yield _hours(rng, 8, 30)
            scan(company, station, waybill, "EXCEPTION", detail={"reason": "LOST"}, rng=rng)
            self.stats["lost"] += 1
            return
        if roll < p.vanished + p.lost + p.delayed:
            yield _hours(rng, 2, 5)
            scan(company, station, waybill, "EXCEPTION", detail={"reason": rng.choice(["MISROUTED", "WEATHER"])},
                 rng=rng)
            self.stats["delayed"] += 1
            yield _hours(rng, 30, 80)
        else:
            yield _hours(rng, 1.5, 5)  # the road to the delivery station
        scan(company, station, waybill, "UNLOADED", vehicle=vehicle, rng=rng)
        yield _hours(rng, 0.1, 0.3)
        scan(company, station, waybill, "ARRIVED", rng=rng)
        if rng.random() < p.damaged:
            yield _hours(rng, 0.2, 1)
            scan(company, station, waybill, "EXCEPTION", detail={"reason": "DAMAGED"}, rng=rng)
            self.stats["damaged"] += 1
        courier = rng.choice(company.couriers[station.pk])
        yield _daytime(self.clock.now() + _hours(rng, 0.3, 2), rng)
        scan(company, station, waybill, "HANDOVER", courier=courier, rng=rng)
        yield _hours(rng, 0.1, 0.3)
        scan(company, station, waybill, "OUT_FOR_DELIVERY", courier=courier, rng=rng)
        if rng.random() < p.delivery_failed:
            yield _hours(rng, 0.5, 3)
            scan(company, station, waybill, "DELIVERY_FAILED", courier=courier, rng=rng,
                 detail={"reason": rng.choice(["NO_ONE_HOME", "NO_ONE_HOME", "WRONG_ADDRESS"])})
            self.stats["delivery_failed"] += 1
            yield _daytime(self.clock.now() + datetime.timedelta(hours=20), rng)
            scan(company, station, waybill, "OUT_FOR_DELIVERY", courier=courier, rng=rng)
        yield _hours(rng, 0.5, 3)
        scan(company, station, waybill, "DELIVERED", courier=courier, rng=rng,
             detail={"received_by": rng.choice(["RECIPIENT", "RECIPIENT", "RECIPIENT", "LOCKER", "STATION"])})
        self.stats["delivered"] += 1


def _hours(rng: random.Random, low: float, high: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=rng.uniform(low, high) * 3600)


def _daytime(at: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """``at`` if couriers are out then (08:00–20:00 local), else the next morning's first rounds."""
    local = timezone.localtime(at)
    if 8 <= local.hour < 20:
        return at
    morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if local.hour >= 20:
        morning += datetime.timedelta(days=1)
    return morning + datetime.timedelta(seconds=rng.uniform(0, 2 * 3600))


def _mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "186", "158", "135", "137", "150", "188"]) + f"{rng.randrange(10**8):08d}"
