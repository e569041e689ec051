"""The region's traffic mix against a local greenshield (``make loadtest`` starts it; see loadtest/run.py).

Per parcel the region has one acceptance, one X-ray screening and about eight scans (in batches from the scanners);
traces, reverse traces and sender searches are a small share of requests. Users:
- outlet staff accept parcels (synthetic senders, a few of whom come back),
- screeners screen what was accepted (mostly CLEAR),
- the hub's and the station's scanners post batches of scans for what was screened (four scans a parcel each),
- supervisors trace parcels, follow a courier and search a sender (with a reason: audited).
Everything the service ACCEPTED is written to LOADTEST_ACCEPTED when the run stops, so run.py can count rows.
Credentials come from the environment (run.py sets them); only http://127.0.0.1 is allowed as host.
"""
from __future__ import annotations

import datetime
import json
import os
import random
import uuid
from collections import deque
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

from greenshield.identity import make_resident_id

TOKENS = json.loads(os.environ.get("LOADTEST_TOKENS", "{}"))  # role → token
DEVICE_KEYS = json.loads(os.environ.get("LOADTEST_DEVICE_KEYS", "{}"))  # facility code → API key
HUB, STATION, COURIER = "SH-HUB-01", "SH-ST-01", os.environ.get("LOADTEST_COURIER", "E1009")
PLATES = ("沪A12345", "沪B23456")
BATCH_PARCELS = int(os.environ.get("LOADTEST_BATCH_PARCELS", "50"))
REASON = "负载测试：核查寄件人（合成数据）"

to_screen: deque[str] = deque()
to_scan: deque[str] = deque()
accepted = {"waybills": [], "screenings": [], "events": [], "refused": 0}
rng = random.Random(20261202)
SENDERS = [make_resident_id("310115", datetime.date(1960, 1, 1) + datetime.timedelta(days=97 * n), n % 999 + 1)
           for n in range(200)]


@events.test_start.add_listener
def _only_local(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname
    if host != "127.0.0.1":
        raise SystemExit(f"the load test runs against 127.0.0.1 only, not {host!r}")


@events.test_stop.add_listener
def _write_accepted(environment, **kwargs):
    path = os.environ.get("LOADTEST_ACCEPTED")
    if path:
        with open(path, "w") as out:
            json.dump(accepted, out)


def _acceptance() -> dict:
    n = rng.randrange(len(SENDERS))
    return {
        "sender": {"kind": "PERSON", "name": "测试" + "一二三四五六七八九十"[n % 10], "id_type": "RESIDENT_ID",
                   "id_number": SENDERS[n], "phone": f"1380013{n:04d}", "address": "上海市浦东新区测试路1号"},
        "recipient": {"name": "收件人", "phone": f"1390013{rng.randrange(10000):04d}", "address": "南京市玄武区测试路2号",
                      "region_code": "320102"},
        "items": [{"name": "书籍", "quantity": 1 + rng.randrange(3), "prohibited_category": None}],
        "weight_g": 200 + rng.randrange(5000),
        "verification": {"method": "ID_CARD_READER", "identity_matched": True},
        "inspection": {"sender_present": True, "result": "PASS", "notes": ""},
    }


class OutletStaff(HttpUser):
    weight = 4
    wait_time = between(0.05, 0.2)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {TOKENS['outlet_staff']}"

    @task
    def accept(self):
        with self.client.post("/api/v1/acceptances/", json=_acceptance(), name="POST acceptances",
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            body = response.json()
            if body["outcome"] == "ACCEPTED":
                accepted["waybills"].append(body["waybill_no"])
                to_screen.append(body["waybill_no"])
            else:
                accepted["refused"] += 1


class Screener(HttpUser):
    weight = 2
    wait_time = between(0.05, 0.2)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {TOKENS['screener']}"

    @task
    def screen(self):
        if not to_screen:
            return
        waybill = to_screen.popleft()
        body = {"waybill_no": waybill, "facility": HUB, "machine_id": "XR-01", "result": "CLEAR",
                "image_ref": f"xray://{HUB}/XR-01/{uuid.uuid4().hex}.png", "image_sha256": uuid.uuid4().hex * 2,
                "screened_at": datetime.datetime.now(datetime.UTC).isoformat()}
        with self.client.post("/api/v1/screenings/", json=body, name="POST screenings",
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            accepted["screenings"].append(response.json()["id"])
            to_scan.append(waybill)


class Scanners(HttpUser):
    """The hub's scanner and then the station's, each posting one batch for up to BATCH_PARCELS parcels."""

    weight = 2
    wait_time = between(0.1, 0.3)

    @task
    def scan_batches(self):
        parcels = [to_scan.popleft() for _ in range(min(BATCH_PARCELS, len(to_scan)))]
        if not parcels:
            return
        base = datetime.datetime.now(datetime.UTC)  # after its screening; the last scan 8 s ahead (skew allows 300)
        plate = rng.choice(PLATES)
        legs = [(HUB, [("ARRIVED", {}), ("SORTED", {}), ("LOADED", {"vehicle": plate}),
                       ("DEPARTED", {"vehicle": plate})]),
                (STATION, [("UNLOADED", {"vehicle": plate}), ("HANDOVER", {"courier": COURIER}),
                           ("OUT_FOR_DELIVERY", {"courier": COURIER}),
                           ("DELIVERED", {"courier": COURIER, "detail": {"received_by": "RECIPIENT"}})])]
        step = 0
        for facility, scans in legs:
            batch = []
            for kind, extra in scans:
                step += 1
                for waybill in parcels:
                    batch.append({"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": kind,
                                  "occurred_at": (base + datetime.timedelta(seconds=step)).isoformat(),
                                  "facility": facility, **extra})
            with self.client.post("/api/v1/events/", json={"events": batch}, name="POST events (batch)",
                                  headers={"Authorization": f"Api-Key {DEVICE_KEYS[facility]}"},
                                  catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                    return
                results = response.json()["results"]
                accepted["events"].extend(r["event_id"] for r in results if r["status"] == "ACCEPTED")
                if any(r["status"] != "ACCEPTED" for r in results):
                    response.failure("not every scan was ACCEPTED: "
                                     + json.dumps([r for r in results if r["status"] != "ACCEPTED"][:2])[:300])


class Supervisor(HttpUser):
    weight = 1
    wait_time = between(0.2, 0.5)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {TOKENS['supervisor']}"

    @task(6)
    def trace(self):
        if accepted["waybills"]:
            waybill = rng.choice(accepted["waybills"][-500:])
            self.client.get(f"/api/v1/parcels/{waybill}/trace/", name="GET parcels/{waybill}/trace")

    @task(2)
    def courier(self):
        self.client.get(f"/api/v1/couriers/{COURIER}/parcels/?page_size=50", name="GET couriers/{no}/parcels")

    @task(1)
    def sender_search(self):
        body = {"id_type": "RESIDENT_ID", "id_number": rng.choice(SENDERS), "reason": REASON}
        self.client.post("/api/v1/senders/search/", json=body, name="POST senders/search")
