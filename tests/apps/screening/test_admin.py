"""The screenings admin: each X-ray result with its re-check, filters by result, re-check and hub, scoped."""
from __future__ import annotations

from apps.screening.models import Screening
from tests.admin_helpers import SCREENINGS, change_url, listed, shown
from tests.helpers import screening_post


def test_screening_list_shows_result_and_resolution(records, world, client_for, as_user):
    response = screening_post(client_for("screener"), "ZTO1000000001", "SUSPECT")
    assert response.status_code == 201, response.content
    screening = Screening.objects.get(pk=response.json()["id"])
    client = as_user("supervisor")
    html = client.get(SCREENINGS).content.decode()
    assert "ZTO1000000001" in html and shown("SUSPECT") in html and "XR-01" in html and "E1002" in html
    assert shown("awaiting") in html
    assert listed(client, SCREENINGS, recheck="awaiting") == [screening]

    resolved = client_for("supervisor").post(f"/api/v1/screenings/{screening.pk}/resolution/",
                                             {"result": "CLEARED", "notes": "开箱复检：书籍"}, format="json")
    assert resolved.status_code == 201, resolved.content
    html = client.get(SCREENINGS).content.decode()
    assert shown("SUSPECT") in html and shown("CLEARED") in html and shown("awaiting") not in html
    assert listed(client, SCREENINGS, result__exact="SUSPECT") == [screening]
    assert listed(client, SCREENINGS, result__exact="CLEAR") == []
    assert listed(client, SCREENINGS, recheck="awaiting") == []
    assert listed(client, SCREENINGS, recheck="CLEARED") == [screening]
    assert listed(client, SCREENINGS, facility__id__exact=world.zto_hub.pk) == [screening]
    assert listed(client, SCREENINGS, q="zto1000000001") == [screening]
    assert listed(client, SCREENINGS, q="YTO1000000001") == []

    detail = client.get(change_url(SCREENINGS, screening)).content.decode()
    assert "开箱复检：书籍" in detail and "zto_supervisor" in detail and "CLEARED" in detail
    assert 'name="_save"' not in detail
    assert as_user("other_supervisor").get(change_url(SCREENINGS, screening)).status_code == 404
    assert listed(as_user("other_regulator"), SCREENINGS) == []
    assert listed(as_user("regulator"), SCREENINGS) == [screening]
