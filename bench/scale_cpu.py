"""Application CPU per operation, for docs/scale.md's node count: acceptances, screenings, scan batches and traces
through the whole Django stack in-process (Django's test client: no HTTP server, no network), timing the process's
own CPU (``time.process_time``), which a machine shared with other work disturbs far less than wall time. PostgreSQL's
CPU is not in it (it runs in its own processes). Runs on a scratch database with the demo network, e.g. the load
test's: ``python bench/scale_cpu.py --database greenshield_loadtest --parcels 300``.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="greenshield_loadtest")
    parser.add_argument("--parcels", type=int, default=300)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + args.database
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(GREENSHIELD_THROTTLE_USER="1000000/min", GREENSHIELD_THROTTLE_DEVICE="1000000/min")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from apps.accounts.models import Device, DeviceAPIKey, User
    from greenshield.identity import make_resident_id

    call_command("load_demo", quiet_logins=True, verbosity=0)
    tokens = {name: Token.objects.get_or_create(user=User.objects.get(username=name))[0].key
              for name in ("zto_outlet", "zto_screener", "zto_supervisor")}
    _, hub_key = DeviceAPIKey.objects.create_key(name="cpu", device=Device.objects.get(serial="SCN-SH-HUB-01"))
    client = Client()

    def post(path, body, auth):
        response = client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=auth)
        assert response.status_code in (200, 201), response.content[:300]
        return response.json()

    cpu: dict[str, list[float]] = {"acceptance": [], "screening": [], "scan batch (500)": [], "trace": []}
    waybills = []
    for n in range(args.parcels):
        body = {"sender": {"kind": "PERSON", "name": "测试", "id_type": "RESIDENT_ID", "phone": f"1380013{n % 10000:04d}",
                           "id_number": make_resident_id("310115", datetime.date(1970, 1, 1) + datetime.timedelta(n), 7),
                           "address": "上海市浦东新区测试路1号"},
                "recipient": {"name": "收件人", "phone": "13900139000", "address": "南京市玄武区测试路2号",
                              "region_code": "320102"},
                "items": [{"name": "书籍", "quantity": 1, "prohibited_category": None}], "weight_g": 800,
                "verification": {"method": "ID_CARD_READER", "identity_matched": True},
                "inspection": {"sender_present": True, "result": "PASS", "notes": ""}}
        started = time.process_time()
        waybill = post("/api/v1/acceptances/", body, f"Token {tokens['zto_outlet']}")["waybill_no"]
        cpu["acceptance"].append(time.process_time() - started)
        started = time.process_time()
        post("/api/v1/screenings/", {"waybill_no": waybill, "facility": "SH-HUB-01", "machine_id": "XR-01",
                                     "result": "CLEAR", "image_ref": "xray://cpu", "image_sha256": "0" * 64,
                                     "screened_at": datetime.datetime.now(datetime.UTC).isoformat()},
             f"Token {tokens['zto_screener']}")
        cpu["screening"].append(time.process_time() - started)
        waybills.append(waybill)
    now = datetime.datetime.now(datetime.UTC)
    for kind in ("ARRIVED", "SORTED"):
        for start in range(0, len(waybills), 500):
            batch = [{"event_id": str(uuid.uuid4()), "waybill_no": w, "type": kind, "occurred_at": now.isoformat(),
                      "facility": "SH-HUB-01"} for w in waybills[start:start + 500]]
            started = time.process_time()
            post("/api/v1/events/", {"events": batch}, f"Api-Key {hub_key}")
            cpu["scan batch (500)"].append((time.process_time() - started) * 500 / len(batch))
    for waybill in waybills[:100]:
        started = time.process_time()
        response = client.get(f"/api/v1/parcels/{waybill}/trace/", HTTP_AUTHORIZATION=f"Token {tokens['zto_supervisor']}")
        assert response.status_code == 200
        cpu["trace"].append(time.process_time() - started)
    for name, samples in cpu.items():
        samples.sort()
        print(f"{name:<18} n={len(samples):>4}  median {samples[len(samples) // 2] * 1000:7.1f} ms CPU  "
              f"mean {sum(samples) / len(samples) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
