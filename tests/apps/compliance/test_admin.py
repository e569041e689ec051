"""The alerts admin: scoped like the API, filtered and searched by waybill, and acknowledged or resolved only
through a confirmation page with a note, audited by the services."""
from __future__ import annotations

from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from greenshield.enums import AlertKind, AlertStatus
from tests.admin_helpers import ACCEPTANCES, ALERTS, change_url, listed, shown
from tests.factories import AlertFactory
from tests.helpers import assert_no_plaintext


def test_alerts_are_scoped(records, as_user):
    html = as_user("supervisor").get(ALERTS).content.decode()
    assert "ZTO9000000001" in html and "YTO9000000001" not in html
    assert 'field-kind_label"><a href="' in html and ">Prohibited item at acceptance</a>" in html
    assert shown("HIGH") in html and shown("OPEN") in html

    jiangsu = as_user("other_regulator")
    assert listed(jiangsu, ALERTS) == [records.yto_alert]
    assert "ZTO9000000001" not in jiangsu.get(ALERTS).content.decode()
    assert jiangsu.get(change_url(ALERTS, records.zto_alert)).status_code == 404
    assert as_user("regulator").get(change_url(ALERTS, records.zto_alert)).status_code == 200


def test_alert_filters_and_search(records, world, as_user):
    client, alert = as_user("regulator"), records.zto_alert
    assert listed(client, ALERTS, kind__exact="prohibited_item_at_acceptance") == [alert]
    assert listed(client, ALERTS, kind__exact="suspect_screening") == []
    assert listed(client, ALERTS, status__exact="RESOLVED") == []
    assert listed(client, ALERTS, status__exact="OPEN", severity__exact="HIGH") == [alert]
    assert listed(client, ALERTS, organization__id__exact=world.zto.pk) == [alert]
    assert listed(client, ALERTS, facility__id__exact=world.zto_outlet.pk) == [alert]
    assert listed(client, ALERTS, created_at__year=timezone.localtime(alert.created_at).year) == [alert]
    assert listed(client, ALERTS, q=" zto9000000001") == [alert]
    assert listed(client, ALERTS, q="ZTO1000000001") == []
    assert listed(client, ALERTS, parcel__id__exact=records.zto_parcel.pk) == []
    html = client.get(ALERTS).content.decode()
    assert "Blacklisted sender tried to send" in html  # kinds are offered by their human label


def test_acknowledge_through_the_confirmation_page_with_a_note(records, world, as_user):
    client = as_user("supervisor")
    alert = records.zto_alert
    assert "acknowledge_alerts" in client.get(ALERTS).content.decode()

    page = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [alert.pk], "index": 0})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="note"' in html and alert.summary in html and 'name="confirm"' in html
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN

    done = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [alert.pk], "confirm": "yes",
                                "note": "值班主管已联系网点"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == world.users["supervisor"]
    assert "值班主管已联系网点" in alert.note
    entry = AuditEntry.objects.get(action="alert.acknowledge", target_id=str(alert.pk))
    assert entry.reason == "值班主管已联系网点" and entry.actor == "zto_supervisor"
    assert entry.organization_id == world.zto.pk


def test_resolve_needs_a_note_and_is_audited(records, world, as_user):
    client = as_user("regulator")
    alert = records.zto_alert
    selection = {"action": "resolve_alerts", "_selected_action": [alert.pk]}
    missing = client.post(ALERTS, {**selection, "confirm": "yes", "note": ""})
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN

    done = client.post(ALERTS, {**selection, "confirm": "yes", "note": "刀具已交公安机关"}, follow=True)
    assert done.redirect_chain and done.redirect_chain[0][1] == 302
    assert any("Resolved 1 alert" in str(m) for m in done.context["messages"])
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_by == world.users["regulator"]
    entry = AuditEntry.objects.get(action="alert.resolve", target_id=str(alert.pk))
    assert entry.reason == "刀具已交公安机关"


def test_alerts_in_the_wrong_state_are_skipped_with_a_message(records, world, as_user):
    client = as_user("supervisor")
    resolved, fresh = records.zto_alert, AlertFactory(
        kind=AlertKind.UNSCREENED_OVERDUE, severity="WARNING", organization=world.zto, facility=world.zto_outlet,
        parcel=records.zto_parcel, summary="ZTO1000000001: no screening 30 h after acceptance")
    client.post(ALERTS, {"action": "resolve_alerts", "_selected_action": [resolved.pk], "confirm": "yes",
                         "note": "done"})

    page = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [resolved.pk, fresh.pk],
                                "index": 0}).content.decode()
    assert "only open alerts can be acknowledged" in page and fresh.summary in page
    response = client.post(ALERTS, {"action": "acknowledge_alerts", "_selected_action": [resolved.pk, fresh.pk],
                                    "confirm": "yes", "note": ""}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("Acknowledged 1 alert" in m for m in messages)
    assert any("Skipped 1 alert" in m for m in messages)
    assert Alert.objects.get(pk=fresh.pk).status == AlertStatus.ACKNOWLEDGED
    assert Alert.objects.get(pk=resolved.pk).status == AlertStatus.RESOLVED
    assert AuditEntry.objects.filter(action="alert.acknowledge", target_id=str(resolved.pk)).count() == 0

    nothing = client.post(ALERTS, {"action": "resolve_alerts", "_selected_action": [resolved.pk], "index": 0})
    assert "None of the selected alerts can be changed" in nothing.content.decode()


def test_out_of_scope_alerts_cannot_be_acted_on(records, as_user):
    jiangsu = as_user("other_regulator")
    for action in ("acknowledge_alerts", "resolve_alerts"):
        jiangsu.post(ALERTS, {"action": action, "_selected_action": [records.zto_alert.pk], "confirm": "yes",
                              "note": "not mine"})
    assert Alert.objects.get(pk=records.zto_alert.pk).status == AlertStatus.OPEN
    assert not AuditEntry.objects.filter(action__startswith="alert.", target_id=str(records.zto_alert.pk)).exists()


def test_alert_detail_is_read_only_and_links_the_attempt(records, as_user):
    html = as_user("supervisor").get(change_url(ALERTS, records.zto_alert)).content.decode()
    assert change_url(ACCEPTANCES, records.zto_refused) in html
    assert "Prohibited item at acceptance" in html and 'name="_save"' not in html
    assert_no_plaintext(html)
