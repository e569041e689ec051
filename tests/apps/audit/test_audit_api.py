"""GET /api/v1/audit-entries/ — the audit log, read-only, scoped (a supervisor their company's entries, a
regulator their province's), filterable by action, actor, target and time."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from tests.helpers import SENDER_ID, accept

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-entries/"
REASON = "核查投诉：收件人信息"


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def actions(response) -> set[tuple[str, str]]:
    return {(e["action"], e["actor"]) for e in entries(response)}


class Log:
    """A ZTO acceptance, then (after ``between``) a ZTO reveal; the same at YTO."""

    def __init__(self, world, client_for):
        self.zto = accept(client_for("outlet_staff"))["waybill_no"]
        self.yto = accept(client_for("other_outlet_staff"))["waybill_no"]
        self.between = timezone.now()
        response = client_for("supervisor").post(f"/api/v1/parcels/{self.zto}/reveal/", {"reason": REASON},
                                                 format="json")
        assert response.status_code == 200
        self.zto_reveal_request = response["X-Request-ID"]
        response = client_for("other_supervisor").post(f"/api/v1/parcels/{self.yto}/reveal/", {"reason": REASON},
                                                       format="json")
        assert response.status_code == 200


@pytest.fixture
def log(world, client_for):
    return Log(world, client_for)


def test_supervisor_sees_their_companys_entries_only(world, client_for, log):
    rows = entries(client_for("supervisor").get(URL))

    assert {(e["action"], e["actor"]) for e in rows} == {("acceptance.record", "zto_outlet"),
                                                         ("pii.reveal", "zto_supervisor")}
    assert {e["organization"] for e in rows} == {"ZTO"}
    assert not any(log.yto in e["target_repr"] for e in rows)


def test_the_entry_shape(world, client_for, log):
    [reveal] = entries(client_for("supervisor").get(URL, {"action": "pii.reveal"}))

    assert reveal["actor"] == "zto_supervisor" and reveal["reason"] == REASON
    assert reveal["target_repr"] == log.zto and reveal["target"] == f"parcels.parcel:{reveal['target_id']}"
    assert reveal["request_id"] == log.zto_reveal_request
    assert reveal["province"] == "310000" and reveal["data"]["fields"] == ["sender", "recipient"]
    assert datetime.datetime.fromisoformat(reveal["at"]) >= log.between
    assert set(reveal) >= {"id", "at", "actor", "action", "target", "reason", "request_id"}


def test_newest_first(world, client_for, log):
    rows = entries(client_for("supervisor").get(URL))

    assert [e["action"] for e in rows] == ["pii.reveal", "acceptance.record"]


def test_regulators_see_their_provinces_companies(world, client_for, log):
    shanghai = actions(client_for("regulator").get(URL))
    jiangsu = actions(client_for("other_regulator").get(URL))

    assert shanghai == {("acceptance.record", "zto_outlet"), ("pii.reveal", "zto_supervisor")}
    assert jiangsu == {("acceptance.record", "yto_outlet"), ("pii.reveal", "yto_supervisor")}


def test_a_regulators_own_entries_are_in_their_province(world, client_for, log):
    search = client_for("regulator").post("/api/v1/senders/search/", {"phone": "13800138000", "reason": REASON},
                                          format="json")
    assert search.status_code == 200

    assert ("sender.search", "sh_regulator") in actions(client_for("regulator").get(URL))
    assert ("sender.search", "sh_regulator") not in actions(client_for("other_regulator").get(URL))
    assert ("sender.search", "sh_regulator") not in actions(client_for("other_supervisor").get(URL))


def test_superuser_sees_everything(world, client_for, log):
    seen = actions(client_for("superuser").get(URL))

    assert {("pii.reveal", "zto_supervisor"), ("pii.reveal", "yto_supervisor")} <= seen


def test_filter_by_action(world, client_for, log):
    rows = entries(client_for("supervisor").get(URL, {"action": "acceptance.record"}))

    assert [e["action"] for e in rows] == ["acceptance.record"]
    assert entries(client_for("supervisor").get(URL, {"action": "blacklist.create"})) == []
    assert {e["action"] for e in entries(client_for("supervisor").get(URL, {"action_prefix": "pii."}))} == {
        "pii.reveal"}


def test_filter_by_actor(world, client_for, log):
    assert actions(client_for("supervisor").get(URL, {"actor": "zto_outlet"})) == {("acceptance.record", "zto_outlet")}
    assert entries(client_for("supervisor").get(URL, {"actor": "yto_supervisor"})) == []  # not in scope


def test_filter_by_target(world, client_for, log):
    client = client_for("supervisor")

    by_waybill = actions(client.get(URL, {"target": log.zto}))
    [reveal] = entries(client.get(URL, {"action": "pii.reveal"}))
    by_id = entries(client.get(URL, {"target": reveal["target_id"]}))
    by_type_and_id = entries(client.get(URL, {"target": reveal["target"]}))

    assert by_waybill == {("acceptance.record", "zto_outlet"), ("pii.reveal", "zto_supervisor")}
    assert [e["id"] for e in by_id] == [e["id"] for e in by_type_and_id] == [reveal["id"]]
    assert entries(client.get(URL, {"target": log.yto})) == []  # another company's waybill


def test_filter_by_time(world, client_for, log):
    client = client_for("supervisor")

    since = actions(client.get(URL, {"since": log.between.isoformat()}))
    until = actions(client.get(URL, {"until": log.between.isoformat()}))
    future = entries(client.get(URL, {"since": (timezone.now() + datetime.timedelta(hours=1)).isoformat()}))

    assert since == {("pii.reveal", "zto_supervisor")}
    assert until == {("acceptance.record", "zto_outlet")}
    assert future == []


def test_a_bad_time_filter_is_400(world, client_for, log):
    response = client_for("supervisor").get(URL, {"since": "yesterday"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "since"


def test_one_entry_in_scope_and_out_of_scope(world, client_for, log):
    zto_entry = AuditEntry.objects.get(action="pii.reveal", actor="zto_supervisor")

    assert client_for("supervisor").get(f"{URL}{zto_entry.pk}/").json()["target_repr"] == log.zto
    assert client_for("regulator").get(f"{URL}{zto_entry.pk}/").status_code == 200
    assert client_for("other_supervisor").get(f"{URL}{zto_entry.pk}/").status_code == 404
    assert client_for("other_regulator").get(f"{URL}{zto_entry.pk}/").status_code == 404


def test_no_personal_data_in_the_log(world, client_for, log):
    client_for("supervisor").post("/api/v1/senders/search/",
                                  {"id_type": "RESIDENT_ID", "id_number": SENDER_ID, "reason": REASON}, format="json")

    content = client_for("superuser").get(URL).content.decode()

    for plaintext in (SENDER_ID, "13800138000", "13900139000", "张三", "李四", "世纪大道", "中山路"):
        assert plaintext not in content


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("kind", ["supervisor", "regulator", "superuser"])
def test_read_only(world, client_for, log, method, kind):
    entry = AuditEntry.objects.get(action="pii.reveal", actor="zto_supervisor")
    client = client_for(kind)
    body = {"action": "pii.reveal", "actor": "someone", "reason": "forged"}

    on_list = getattr(client, method)(URL, body, format="json")
    on_entry = getattr(client, method)(f"{URL}{entry.pk}/", body, format="json")

    assert on_list.status_code == 405
    assert on_entry.status_code == 405
    entry.refresh_from_db()
    assert entry.reason == REASON and entry.actor == "zto_supervisor"
    assert AuditEntry.objects.filter(reason="forged").count() == 0


@pytest.mark.parametrize(("kind", "expected"), [
    ("outlet_staff", 403), ("screener", 403), ("other_outlet_staff", 403), ("device", 403), ("other_device", 403),
    ("anonymous", 401),
])
def test_who_may_not_read_the_log(world, client_for, log, kind, expected):
    entry = AuditEntry.objects.get(action="pii.reveal", actor="zto_supervisor")

    assert client_for(kind).get(URL).status_code == expected
    assert client_for(kind).get(f"{URL}{entry.pk}/").status_code == expected


def test_cursor_pagination(world, client_for, log):
    outlet = client_for("outlet_staff")
    for _ in range(3):
        accept(outlet)
    client = client_for("supervisor")

    first = client.get(URL, {"page_size": 2})
    seen = [e["id"] for e in entries(first)]
    following = first.json()["next"]
    while following:
        page = client.get(following)
        seen += [e["id"] for e in entries(page)]
        following = page.json()["next"]

    assert len(seen) == len(set(seen)) == 5
