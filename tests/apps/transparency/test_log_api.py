"""The log's API: the latest checkpoint (a C2SP signed note), the verifier key, the checkpoint history by day,
inclusion and consistency proofs — each proof checked here by the tests' own RFC 9162 implementation, not the
code under test — and the trace's ``integrity.log`` and controls check."""
from __future__ import annotations

import base64
import datetime
import hashlib

import pytest
from django.db import connection, models
from django.utils import timezone

from apps.parcels.models import Parcel
from apps.screening.models import Screening
from greenshield import note
from tests.greenshield.test_merkle import ref_mth, ref_path, ref_proof

from .helpers import evidence, integrate_all, integrated

pytestmark = pytest.mark.django_db
LOG = "/api/v1/log"


def leaf_data() -> list[bytes]:
    return [d.encode() for _, d in integrated()]


@pytest.fixture
def log(world, client_for):
    waybills = evidence(client_for, parcels=2)
    first = integrate_all().size
    evidence(client_for, parcels=3)
    integrate_all()
    return waybills, first


@pytest.mark.parametrize("kind", ["supervisor", "regulator", "outlet_staff", "screener", "device", "other_device"])
def test_any_signed_in_account_or_device_reads_the_checkpoint(log, client_for, kind):
    response = client_for(kind).get(f"{LOG}/checkpoint/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    key = note.verifier_parse(client_for(kind).get(f"{LOG}/key/").json()["verifier_key"])
    checkpoint = note.checkpoint_open(response.content.decode(), key)
    assert checkpoint.size == len(leaf_data()) and checkpoint.root == ref_mth(leaf_data())


def test_anonymous_reads_nothing(log, client_for):
    for path in ("checkpoint/", "key/", "checkpoints/", "proofs/inclusion/?index=0&size=1",
                 "proofs/consistency/?from=1&to=2"):
        assert client_for("anonymous").get(f"{LOG}/{path}").status_code == 401


def test_an_empty_installation_has_no_checkpoint_yet(world, client_for):
    response = client_for("supervisor").get(f"{LOG}/checkpoint/")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"


def test_inclusion_proofs_check_against_the_definition(log, client_for):
    data = leaf_data()
    size = len(data)
    for index in (0, 1, size // 2, size - 1):
        for at_size in {index + 1, size}:
            body = client_for("regulator").get(f"{LOG}/proofs/inclusion/", {"index": index, "size": at_size}).json()
            assert body["index"] == index and body["size"] == at_size
            assert body["leaf_hash"] == hashlib.sha256(b"\x00" + data[index]).hexdigest()
            assert body["hashes"] == [h.hex() for h in ref_path(index, data[:at_size])]


def test_consistency_proofs_check_against_the_definition(log, client_for):
    data = leaf_data()
    _, first = log
    for old, new in ((first, len(data)), (1, len(data)), (first, first), (3, first)):
        body = client_for("device").get(f"{LOG}/proofs/consistency/", {"from": old, "to": new}).json()
        assert body == {"from": old, "to": new, "hashes": [h.hex() for h in ref_proof(old, data[:new])]}


@pytest.mark.parametrize("path", [
    "proofs/inclusion/?index=5&size=5", "proofs/inclusion/?index=0&size=100000", "proofs/inclusion/?index=-1&size=2",
    "proofs/inclusion/?index=x&size=2", "proofs/inclusion/?size=2", "proofs/consistency/?from=3&to=2",
    "proofs/consistency/?from=0&to=2", "proofs/consistency/?from=1&to=100000", "proofs/consistency/?from=1",
    "proofs/inclusion/?index=99999999999999999999999&size=1",
])
def test_bad_proof_requests_are_400_invalid_proof_request(log, client_for, path):
    response = client_for("supervisor").get(f"{LOG}/{path}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_proof_request"


def test_the_checkpoint_history_of_a_day(log, client_for):
    today = timezone.localdate().isoformat()
    rows = client_for("supervisor").get(f"{LOG}/checkpoints/", {"date": today}).json()
    assert [r["size"] for r in rows] == sorted(r["size"] for r in rows) and len(rows) == 2
    assert rows[-1]["checkpoint"] == client_for("supervisor").get(f"{LOG}/checkpoint/").content.decode()
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert client_for("supervisor").get(f"{LOG}/checkpoints/", {"date": yesterday}).json() == []
    bad = client_for("supervisor").get(f"{LOG}/checkpoints/", {"date": "2026-13-01"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "invalid"


def test_the_trace_gives_the_head_links_inclusion_against_the_latest_checkpoint(log, client_for):
    waybills, _ = log
    trace = client_for("supervisor").get(f"/api/v1/parcels/{waybills[0]}/trace/").json()
    found = trace["integrity"]["log"]
    data = leaf_data()
    head = f"link:{trace['integrity']['head']}".encode()
    assert data[found["leaf_index"]] == head and found["tree_size"] == len(data)
    assert found["leaf_hash"] == hashlib.sha256(b"\x00" + head).hexdigest()
    assert found["inclusion"] == [h.hex() for h in ref_path(found["leaf_index"], data)]
    body = note.checkpoint_parse(found["checkpoint"].split("\n\n")[0] + "\n")
    assert base64.b64encode(ref_mth(data)).decode() == base64.b64encode(body.root).decode()


def test_a_link_not_yet_integrated_has_no_log_place(world, client_for):
    waybill = evidence(client_for, parcels=1)[0]
    trace = client_for("supervisor").get(f"/api/v1/parcels/{waybill}/trace/").json()
    assert trace["integrity"]["log"] is None and trace["integrity"]["valid"]


def test_a_screening_rewritten_to_clear_makes_the_trace_invalid_and_names_the_field(world, client_for):
    """Issue 13: UPDATE the screening row to CLEAR and the parcel's screening_status to CLEAR — the trace used to
    show a clear X-ray with integrity.valid = true."""
    from tests.helpers import accept, screening_body

    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    assert client_for("screener").post("/api/v1/screenings/", screening_body(waybill, "SUSPECT"),
                                       format="json").status_code == 201
    parcel = Parcel.objects.get(waybill_no=waybill)
    pk = models.UUIDField().get_db_prep_value(parcel.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE screening_screening SET result = 'CLEAR' WHERE parcel_id = %s", [pk])
        cursor.execute("UPDATE parcels_parcel SET screening_status = 'CLEAR', status = 'ACCEPTED' WHERE id = %s", [pk])
    integrity = client_for("supervisor").get(f"/api/v1/parcels/{waybill}/trace/").json()["integrity"]
    screening = Screening.objects.get(parcel=parcel)
    assert integrity["valid"] is False
    assert [m["field"] for m in integrity["mismatches"]] == [
        f"screening[{screening.pk}].result", "parcel.status", "parcel.screening_status"]
    assert integrity["mismatches"][0] == {"field": f"screening[{screening.pk}].result", "chain": "SUSPECT",
                                          "recorded": "CLEAR"}
    assert "screening" in integrity["problem"]
