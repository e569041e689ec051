"""The one home of what the tests share: the synthetic people, the request bodies, shortcuts through the API (and
one through the service), API clients and the assertions every endpoint's tests make. Synthetic identities only."""
from __future__ import annotations

import copy
import datetime
import json
import threading
import uuid

from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.audit.models import AuditEntry
from apps.parcels.api.serializers import AcceptanceInputSerializer
from apps.parcels.models import AcceptanceItem, AcceptanceRecord, CheckpointEvent, Inspection, LinkPersonalData, Parcel
from apps.parcels.services import acceptance_record
from apps.senders.models import Sender, Verification
from greenshield.identity import make_resident_id, normalize_phone, phone_national_digits

API = "/api/v1"
ACCEPTANCES = f"{API}/acceptances/"
SCREENINGS = f"{API}/screenings/"
EVENTS = f"{API}/events/"
BLACKLIST = f"{API}/blacklist/"

# --- the synthetic people --------------------------------------------------------------------------------------

# The contract's example sender; the number ends in X so that the lower-case spelling can be tested.
SENDER_ID = make_resident_id("110105", datetime.date(1949, 12, 31), 2)
# Another valid document, for a second sender.
OTHER_ID = make_resident_id("320102", datetime.date(1992, 11, 3), 128)
SENDER = {"kind": "PERSON", "name": "张三", "id_type": "RESIDENT_ID", "id_number": SENDER_ID,
          "phone": "13800138000", "address": "上海市浦东新区世纪大道1号"}
RECIPIENT = {"name": "李四", "phone": "13900139000", "address": "南京市玄武区中山路1号", "region_code": "320102"}
# YTO's sender and recipient, for the other company's records.
YTO_SENDER_ID = make_resident_id("320102", datetime.date(1988, 3, 9), 41)
YTO_SENDER = {"kind": "PERSON", "name": "钱多多", "id_type": "RESIDENT_ID", "id_number": YTO_SENDER_ID,
              "phone": "13700137000", "address": "江苏省南京市玄武区样例路9号"}
YTO_RECIPIENT = {"name": "孙小美", "phone": "13600136000", "address": "上海市徐汇区示例路5号", "region_code": "310104"}


def plaintexts(*people: dict) -> list[str]:
    """Every clear personal value of these people (sender or recipient bodies): name, document number, address and
    phone as submitted and as stored (E.164)."""
    values = []
    for person in people:
        values += [person[key] for key in ("name", "id_number", "address") if person.get(key)]
        if person.get("phone"):
            values += [person["phone"], normalize_phone(person["phone"])]
    return values


def staff_plaintexts(*staff) -> list[str]:
    """Every clear form of staff members' personal data: name, document number, phone in E.164 and as dialled."""
    return [value for member in staff
            for value in (member.name, member.id_number, member.phone, phone_national_digits(member.phone))]


# The default list ``assert_no_plaintext`` looks for: everything the people above could leak.
PLAINTEXTS = plaintexts(SENDER, RECIPIENT, YTO_SENDER, YTO_RECIPIENT)

# --- request bodies --------------------------------------------------------------------------------------------

ACCEPTANCE = {
    "sender": SENDER,
    "recipient": RECIPIENT,
    "items": [{"name": "书籍", "quantity": 2, "prohibited_category": None}],
    "weight_g": 1200,
    "verification": {"method": "ID_CARD_READER", "identity_matched": True},
    "inspection": {"sender_present": True, "result": "PASS", "notes": ""},
}


def acceptance_body(*, drop: tuple[str, ...] = (), **changes) -> dict:
    """The contract's acceptance request with the synthetic people. A keyword replaces a top-level value, or is merged
    into it when both are objects (``sender={"phone": "…"}``; a whole ``sender={…}`` works too); ``drop`` removes
    dotted paths (``"recipient.phone"``, ``"items.0.name"``)."""
    body = copy.deepcopy(ACCEPTANCE)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **copy.deepcopy(value)}
        else:
            body[key] = copy.deepcopy(value)
    for path in drop:
        *parents, last = path.split(".")
        target = body
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]
    return body


def screening_body(waybill_no: str, result: str = "CLEAR", **overrides) -> dict:
    """The contract's screening request: the ZTO hub's X-ray, operated by its screener E1002."""
    body = {"waybill_no": waybill_no, "facility": "SH-HUB-01", "machine_id": "XR-01", "operator": "E1002",
            "result": result, "image_ref": "xray://SH-HUB-01/XR-01/000001.png", "image_sha256": "ab" * 32,
            "screened_at": timezone.now().isoformat()}
    body.update(overrides)
    return body


VEHICLE_TYPES = ("LOADED", "DEPARTED", "UNLOADED")
COURIER_TYPES = ("HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED", "DELIVERY_FAILED")
PLATE = "沪A12345"
COURIER = "E1001"


def scan(waybill_no: str, type: str = "ARRIVED", occurred_at: datetime.datetime | str | None = None,
         **fields) -> dict:
    """A well-formed scan of ``type`` (now, unless ``occurred_at``), with the vehicle (沪A12345), courier (E1001) or
    reason the contract says its type needs; ``fields`` add to it or replace."""
    occurred_at = occurred_at or timezone.now()
    event = {"event_id": str(uuid.uuid4()), "waybill_no": waybill_no, "type": type,
             "occurred_at": occurred_at if isinstance(occurred_at, str) else occurred_at.isoformat()}
    if type in VEHICLE_TYPES:
        event["vehicle"] = PLATE
    if type in COURIER_TYPES:
        event["courier"] = COURIER
    if type == "EXCEPTION":
        event["detail"] = {"reason": "DAMAGED"}
    event.update(fields)
    return event


# --- API clients -----------------------------------------------------------------------------------------------


def token_key(user) -> str:
    """A fresh sign-in token of ``user`` (as ``POST auth/token/`` issues one), for ``Authorization: Token <key>``."""
    return AuthToken.objects.create(user=user)[1]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key(user)}")
    return client


def device_client(device) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {device.plain_api_key}")
    return client


# --- shortcuts -------------------------------------------------------------------------------------------------


def acceptance_post(client, body: dict | None = None, **headers):
    """POST an acceptance (the default body unless one is given) and return the response, whatever it is."""
    return client.post(ACCEPTANCES, acceptance_body() if body is None else body, format="json", **headers)


def accept(client, **changes) -> dict:
    """Accept through the API (``acceptance_body(**changes)``) and return the 201 response's body."""
    response = acceptance_post(client, acceptance_body(**changes))
    assert response.status_code == 201, response.content
    return response.json()


def accept_as(account, **changes):
    """An acceptance recorded as the view records it — the input serializer, then the service — without a request;
    returns the ``AcceptanceRecord``."""
    serializer = AcceptanceInputSerializer(data=acceptance_body(**changes))
    serializer.is_valid(raise_exception=True)
    return acceptance_record(account=account, **serializer.validated_data)


def screening_post(client, waybill_no: str, result: str = "CLEAR", **changes):
    """POST ``screening_body(waybill_no, result, **changes)`` and return the response."""
    return client.post(SCREENINGS, screening_body(waybill_no, result, **changes), format="json")


def events_post(client, events: list[dict]) -> dict:
    """POST a batch of scans; the answer is 200 with one result per event."""
    response = client.post(EVENTS, {"events": events}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["results"]) == len(events)
    return body


def blacklist_post(client, **fields):
    """POST a blacklist entry; defaults to the default sender's document, a field given as None is left out."""
    body = {"subject": "SENDER", "id_type": "RESIDENT_ID", "id_number": SENDER_ID, "reason": "多次寄递违禁品", **fields}
    return client.post(BLACKLIST, {key: value for key, value in body.items() if value is not None}, format="json")


# --- assertions ------------------------------------------------------------------------------------------------


def error_pairs(response_or_result) -> list[tuple[str, str | None]]:
    """(code, attr) of each error of a response, or of one result of a scan batch."""
    body = response_or_result if isinstance(response_or_result, dict) else response_or_result.json()
    return [(error["code"], error["attr"]) for error in body["errors"]]


def assert_error(response, status: int, code: str, attr: str | None = None) -> dict:
    """The response is a drf-standardized-errors body of ``status`` holding an error with ``code`` (and ``attr``)."""
    assert response.status_code == status, response.content
    body = response.json()
    expected_type = "validation_error" if status == 400 else ("server_error" if status >= 500 else "client_error")
    assert body["type"] == expected_type, body
    assert all(set(error) == {"code", "detail", "attr"} for error in body["errors"]), body
    assert (code, attr) in error_pairs(response), body
    return body


def _text_of(text_or_response) -> str:
    if isinstance(text_or_response, str):
        return text_or_response
    content = text_or_response if isinstance(text_or_response, bytes) else text_or_response.content
    text = content.decode()
    try:
        # A JSON body may carry a value \u-escaped: look at its decoded form too.
        return text + json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def assert_no_plaintext(text_or_response, *values: str):
    """No clear personal value — of the synthetic people (``PLAINTEXTS``) nor any of ``values`` — is in the page,
    text, bytes or response (raw or, for JSON, decoded)."""
    text = _text_of(text_or_response)
    for value in (*PLAINTEXTS, *values):
        assert value not in text, f"plaintext personal data {value!r}"


def assert_nothing_stored():
    """A rejected acceptance left nothing behind: no attempt, item, inspection, verification, parcel, sender, link
    or audit entry of an acceptance."""
    for model in (AcceptanceRecord, AcceptanceItem, Inspection, Verification, Parcel, Sender, CheckpointEvent):
        assert model.objects.count() == 0, model.__name__
    assert not AuditEntry.objects.filter(action="acceptance.record").exists()


# --- concurrency ---------------------------------------------------------------------------------------------


def run_threads(target, count: int, *, timeout: float = 300) -> list:
    """Run ``target(index)`` in ``count`` threads, each closing its database connection; returns what they raised
    (a thread must not die silently) and fails if one hangs."""
    failures: list = []

    def guarded(index: int):
        try:
            target(index)
        except Exception as exc:  # noqa: BLE001 — returned to the test, which asserts there is none
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    return failures


def backdate_parcel(when: datetime.datetime, **lookup) -> None:
    """Date a parcel's acceptance ``when`` after the fact (a test's shortcut: accepted_at never changes in service),
    moving its links and their personal parts along, since its acceptance time is their partition key."""
    ids = list(Parcel.objects.filter(**lookup).values_list("pk", flat=True))
    Parcel.objects.filter(pk__in=ids).update(accepted_at=when)
    CheckpointEvent.objects.filter(parcel__in=ids).update(parcel_accepted_at=when)
    LinkPersonalData.objects.filter(event__parcel__in=ids).update(parcel_accepted_at=when)


def migrate_to(targets) -> None:
    """Migrate the test database to ``targets`` (app, migration) — back or forth — as ``migrate`` would."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def migrate_to_latest() -> None:
    from django.db.migrations.executor import MigrationExecutor

    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
