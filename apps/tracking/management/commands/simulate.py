"""simulate: realistic traffic across the demo network (run ``load_demo`` first).

``--parcels N`` drives live traffic through the real REST API (in-process, or over HTTP with ``--url``): each parcel
is accepted at an outlet (a few are refused), screened at its company's hub (a few are suspect and re-checked, a few
slip through unscreened), scanned through the hub, loaded onto a vehicle, handed to a courier and delivered (some
after a failed attempt, some with an incident).

``--days N`` writes the history of the past N days instead, through the services under a simulated clock
(``apps.tracking.simulation``), so that statistics and the supervision dashboard have a month of curves.
"""
from __future__ import annotations

import datetime
import json
import random
import time
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from tqdm import tqdm

from apps.accounts.models import Device, User
from apps.accounts.services import device_create, device_key_rotate
from apps.common.partitions import partitions_ensure
from apps.organizations.models import Facility, Organization, Staff
from apps.tracking.simulation import History, Profile, SimulationError
from greenshield.enums import FacilityKind
from greenshield.identity import make_resident_id

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
GOODS = ["书籍", "衣服", "手机壳", "茶叶", "文件", "玩具", "鞋子", "化妆品", "零食", "数据线"]
DESTINATIONS = [("320102", "南京市玄武区"), ("310104", "上海市徐汇区"), ("330106", "杭州市西湖区"),
                ("320508", "苏州市姑苏区"), ("330203", "宁波市海曙区"), ("310115", "上海市浦东新区")]


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "186", "158", "135", "137", "150", "188"]) + f"{rng.randrange(10**8):08d}"


class Transport:
    """The REST API, in-process (default) or over HTTP (``--url``)."""

    def __init__(self, base_url: str | None):
        if base_url and not base_url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http:// or https:// address.")
        self.base_url = base_url.rstrip("/") if base_url else None
        self.client = None if base_url else Client()

    def post(self, path: str, body: dict, authorization: str) -> tuple[int, dict]:
        if self.client is not None:
            response = self.client.post(path, json.dumps(body), content_type="application/json",
                                        HTTP_AUTHORIZATION=authorization)
            return response.status_code, response.json() if response.content else {}
        request = urllib.request.Request(  # noqa: S310 - http(s) checked in __init__
            self.base_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": authorization})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - operator-given URL
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


@dataclass
class Company:
    organization: Organization
    outlets: list
    hub: Facility
    stations: list
    vehicles: list
    couriers: list
    outlet_tokens: dict
    screener_token: str
    supervisor_token: str
    screener_employee_no: str
    device_keys: dict


class Command(BaseCommand):
    help = "Drive realistic parcel traffic through the API across the demo network (run load_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--parcels", type=int, default=200)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--url", help="Post to a running server (e.g. http://127.0.0.1:8000) instead of in-process.")
        parser.add_argument("--batch-size", type=int, default=500, help="events per device batch")
        parser.add_argument("--days", type=int, default=None,
                            help="Write the history of the past N days through the services (back-dated) instead.")
        parser.add_argument("--per-day", type=int, default=Profile.per_day,
                            help="With --days: acceptance attempts a day across the network.")
        parser.add_argument("--incidents", type=float, default=1.0,
                            help="With --days: make refusals, holds, delays, damages and losses this many times as "
                                 "frequent.")

    def handle(self, *args, parcels, seed, url, batch_size, days=None, per_day=Profile.per_day, incidents=1.0,
               **options):
        if settings.PRODUCTION:
            raise CommandError("simulate is for development and demonstrations, not production.")
        if days is not None:
            return self._history(days=days, per_day=per_day, seed=seed, incidents=incidents)
        if not url and "testserver" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS.append("testserver")
        rng = random.Random(seed)
        api = Transport(url)
        companies = self._companies()
        senders = [self._person(rng, n) for n in range(max(20, parcels // 3))]
        pending: dict[str, list] = {}
        stats = {"accepted": 0, "refused": 0, "suspect": 0, "seized": 0, "unscreened": 0, "events": 0,
                 "rejected_events": 0}

        def flush(key: str, force: bool = False):
            batch = pending.get(key) or []
            if batch and (force or len(batch) >= batch_size):
                status, body = api.post("/api/v1/events/", {"events": batch}, f"Api-Key {key}")
                if status != 200:
                    raise CommandError(f"events batch failed: HTTP {status} {body}")
                stats["events"] += body["summary"]["accepted"]
                stats["rejected_events"] += body["summary"]["rejected"]
                pending[key] = []

        for _ in tqdm(range(parcels), desc="Simulating parcels", unit="parcel"):
            company = rng.choice(companies)
            outlet = rng.choice(company.outlets)
            waybill = self._accept(api, rng, company, outlet, rng.choice(senders), stats)
            if waybill is None:
                continue
            screened = self._screen(api, rng, company, waybill, stats)
            if screened == "SEIZED":
                continue
            for event in self._journey(rng, company, outlet, waybill):
                # Each scan is posted by the scanner of the facility where it happens.
                pending.setdefault(company.device_keys[event["facility"]], []).append(event)
            for key in company.device_keys.values():
                flush(key)
        for key in list(pending):
            flush(key, force=True)
        self.stdout.write(self.style.SUCCESS(
            "Simulated {n} parcels: {accepted} accepted, {refused} refused, {suspect} suspect at X-ray "
            "({seized} seized), {unscreened} dispatched unscreened, {events} scans stored, {rejected_events} "
            "scans rejected.".format(n=parcels, **stats)))

    def _history(self, *, days: int, per_day: int, seed: int | None, incidents: float) -> None:
        if not 1 <= days <= 400 or per_day < 1 or not 0 < incidents <= 50:
            raise CommandError("--days must be between 1 and 400, --per-day at least 1, --incidents in (0, 50].")
        bar = tqdm(total=days * per_day, desc=f"Simulating {days} days", unit="parcel")

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        started = time.perf_counter()
        # The back-dated days get their evidence partitions first (their parcels' months may predate the table's).
        partitions_ensure(now=timezone.now(), since=timezone.now() - datetime.timedelta(days=days + 1))
        try:
            profile = Profile(per_day=per_day).scaled(incidents)
            stats = History(days=days, seed=seed, profile=profile, progress=progress).run()
        except SimulationError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        refusals = ", ".join(f"{k.removeprefix('refused_')} {v}" for k, v in sorted(stats.items())
                             if k.startswith("refused_"))
        self.stdout.write(self.style.SUCCESS(
            "Simulated {days} days: {attempts} acceptance attempts, {accepted} accepted, {refused} refused ({refusals}); "
            "X-ray: {screened_suspect} suspect, {screened_prohibited} prohibited, {seized} seized, {unscreened} "
            "unscreened; {delivered} delivered, {delivery_failed} failed attempts, {delayed} delayed, {damaged} "
            "damaged, {lost} lost, {vanished} vanished; {scans} scans; {alerts} alerts ({alerts_acknowledged} "
            "acknowledged, {alerts_resolved} resolved). {seconds:.1f} s, {rate:.1f} parcels/s.".format(
                days=days, refusals=refusals or "none", seconds=seconds, rate=stats["attempts"] / seconds,
                **{k: stats[k] for k in ("attempts", "accepted", "refused", "screened_suspect", "screened_prohibited",
                                         "seized", "unscreened", "delivered", "delivery_failed", "delayed", "damaged",
                                         "lost", "vanished", "scans", "alerts", "alerts_acknowledged",
                                         "alerts_resolved")})))

    # -- the network ------------------------------------------------------------------------------------
    def _companies(self) -> list[Company]:
        companies = []
        for org in Organization.objects.order_by("code"):
            facilities = list(org.facilities.order_by("code"))
            outlets = [f for f in facilities if f.kind == FacilityKind.OUTLET]
            hubs = [f for f in facilities if f.kind == FacilityKind.HUB]
            outlet_accounts = {u.facility.code: u for u in User.objects.filter(
                groups__name="outlet_staff", organization=org, staff__isnull=False, is_active=True)
                .select_related("facility")}
            screener = User.objects.filter(groups__name="screener", organization=org, staff__isnull=False).first()
            supervisor = User.objects.filter(groups__name="supervisor", organization=org).first()
            couriers = list(Staff.objects.filter(organization=org, status="ACTIVE",
                                                 facility__kind__in=[FacilityKind.OUTLET, FacilityKind.STATION]))
            if not (outlets and hubs and outlet_accounts and screener and supervisor and couriers):
                continue
            usable_outlets = [o for o in outlets if o.code in outlet_accounts]
            stations = [f for f in facilities if f.kind == FacilityKind.STATION] or usable_outlets
            companies.append(Company(
                organization=org, outlets=usable_outlets, hub=hubs[0], stations=stations,
                vehicles=list(org.vehicles.values_list("plate", flat=True)), couriers=couriers,
                outlet_tokens={code: self._token(user) for code, user in outlet_accounts.items()},
                screener_token=self._token(screener), supervisor_token=self._token(supervisor),
                screener_employee_no=screener.staff.employee_no,
                device_keys={f.code: self._device_key(org, f) for f in [hubs[0], *stations]},
            ))
        if not companies:
            raise CommandError("No demo network found: run `python manage.py load_demo` first.")
        return companies

    @staticmethod
    def _token(user) -> str:
        return "Token " + AuthToken.objects.create(user=user)[1]

    @staticmethod
    def _device_key(org, facility) -> str:
        """A dedicated simulator scanner per facility, with a fresh key each run (the demo scanners keep theirs)."""
        serial = f"SIM-{facility.code}"
        device = Device.objects.filter(serial=serial).first()
        if device is None:
            return device_create(serial=serial, organization=org, facility=facility, description="Traffic simulator",
                                 via="simulate")[1]
        return device_key_rotate(device=device, via="simulate")

    @staticmethod
    def _person(rng: random.Random, n: int) -> dict:
        region, _ = rng.choice(DESTINATIONS)
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 40 * 365))
        return {"kind": "PERSON", "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)[: rng.randrange(2)],
                "id_type": "RESIDENT_ID", "id_number": make_resident_id(region, birth, n % 1000),
                "phone": mobile(rng), "address": "演示路" + str(n) + "号"}

    # -- one parcel -------------------------------------------------------------------------------------
    def _accept(self, api, rng, company, outlet, sender, stats) -> str | None:
        region, city = rng.choice(DESTINATIONS)
        inspection, matched = "PASS", True
        roll = rng.random()
        if roll < 0.015:
            inspection = "PROHIBITED_FOUND"
        elif roll < 0.025:
            matched = False
        elif roll < 0.03:
            inspection = "UNCONFIRMABLE"
        body = {
            "sender": sender,
            "recipient": {"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "region_code": region,
                          "phone": mobile(rng),
                          "address": f"{city}演示街{rng.randrange(1, 500)}号"},
            "items": [{"name": rng.choice(GOODS), "quantity": rng.randrange(1, 4), "prohibited_category": None}],
            "weight_g": rng.randrange(100, 20000),
            "verification": {"method": rng.choice(["ID_CARD_READER", "ID_CARD_READER", "ELECTRONIC_ID"]),
                             "identity_matched": matched},
            "inspection": {"sender_present": True, "result": inspection, "notes": ""},
        }
        status, response = api.post("/api/v1/acceptances/", body, company.outlet_tokens[outlet.code])
        if status != 201:
            raise CommandError(f"acceptance failed: HTTP {status} {response}")
        if response["outcome"] != "ACCEPTED":
            stats["refused"] += 1
            return None
        stats["accepted"] += 1
        return response["waybill_no"]

    def _screen(self, api, rng, company, waybill, stats) -> str:
        if rng.random() < 0.01:
            stats["unscreened"] += 1
            return "UNSCREENED"
        result = "SUSPECT" if rng.random() < 0.04 else "CLEAR"
        body = {"waybill_no": waybill, "facility": company.hub.code, "machine_id": f"XR-{rng.randrange(1, 4):02d}",
                "operator": company.screener_employee_no, "result": result,
                "image_ref": f"xray://{company.hub.code}/{waybill}.png", "image_sha256": uuid.uuid4().hex * 2,
                "screened_at": timezone.now().isoformat()}
        status, response = api.post("/api/v1/screenings/", body, company.screener_token)
        if status != 201:
            raise CommandError(f"screening failed: HTTP {status} {response}")
        if result == "CLEAR":
            return "CLEAR"
        stats["suspect"] += 1
        outcome = "SEIZED" if rng.random() < 0.2 else "CLEARED"
        status, response = api.post(f"/api/v1/screenings/{response['id']}/resolution/",
                                    {"result": outcome, "notes": "开箱复检"}, company.supervisor_token)
        if status != 201:
            raise CommandError(f"re-check failed: HTTP {status} {response}")
        stats["seized"] += outcome == "SEIZED"
        return outcome

    def _journey(self, rng, company, outlet, waybill) -> list[dict]:
        now = timezone.now()
        vehicle = rng.choice(company.vehicles) if company.vehicles else None
        station = rng.choice(company.stations)
        courier = rng.choice(company.couriers).employee_no
        steps = [("ARRIVED", company.hub.code, None, None), ("SORTED", company.hub.code, None, None)]
        if vehicle:
            steps += [("LOADED", company.hub.code, vehicle, None), ("DEPARTED", company.hub.code, vehicle, None),
                      ("UNLOADED", station.code, vehicle, None)]
        steps += [("ARRIVED", station.code, None, None), ("HANDOVER", station.code, None, courier),
                  ("OUT_FOR_DELIVERY", station.code, None, courier)]
        if rng.random() < 0.05:
            steps.append(("DELIVERY_FAILED", station.code, None, courier))
        if rng.random() < 0.01:
            steps.append(("EXCEPTION", station.code, None, None))
        steps.append(("DELIVERED", station.code, None, courier))
        events = []
        for offset, (event_type, facility, plate, courier_no) in enumerate(steps):
            event = {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": event_type,
                     "occurred_at": (now + datetime.timedelta(milliseconds=offset)).isoformat(),
                     "facility": facility, "vehicle": plate, "courier": courier_no,
                     "location": {"lat": round(30 + rng.random() * 3, 5), "lon": round(119 + rng.random() * 3, 5)},
                     "detail": {"reason": "DAMAGED"} if event_type == "EXCEPTION" else {}}
            events.append(event)
        return events
