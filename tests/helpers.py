"""Request bodies and shortcuts shared by the API tests (synthetic identities only)."""
from __future__ import annotations

import copy
import datetime

from django.utils import timezone

from greenshield.identity import make_resident_id

SENDER_ID = make_resident_id("110105", datetime.date(1949, 12, 31), 2)


def acceptance_body(**overrides) -> dict:
    body = {
        "sender": {"kind": "PERSON", "name": "张三", "id_type": "RESIDENT_ID", "id_number": SENDER_ID,
                   "phone": "13800138000", "address": "上海市浦东新区世纪大道1号"},
        "recipient": {"name": "李四", "phone": "13900139000", "address": "南京市玄武区中山路1号",
                      "region_code": "320102"},
        "items": [{"name": "书籍", "quantity": 2, "prohibited_category": None}],
        "weight_g": 1200,
        "verification": {"method": "ID_CARD_READER", "identity_matched": True},
        "inspection": {"sender_present": True, "result": "PASS", "notes": ""},
    }
    body = copy.deepcopy(body)
    body.update(overrides)
    return body


def accept(client, **overrides) -> dict:
    response = client.post("/api/v1/acceptances/", acceptance_body(**overrides), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def screening_body(waybill_no: str, result: str = "CLEAR", **overrides) -> dict:
    body = {"waybill_no": waybill_no, "facility": "SH-HUB-01", "machine_id": "XR-01", "operator": "E1002",
            "result": result, "image_ref": "xray://SH-HUB-01/XR-01/000001.png", "image_sha256": "ab" * 32,
            "screened_at": timezone.now().isoformat()}
    body.update(overrides)
    return body
