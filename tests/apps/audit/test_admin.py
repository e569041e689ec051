"""The audit log in the admin: read-only for everyone, superusers included, and scoped like the API."""
from __future__ import annotations

from apps.audit.models import AuditEntry
from apps.audit.services import audit_record
from greenshield.enums import Province
from tests.admin_helpers import AUDIT, change_url


def test_audit_log_is_read_only_even_for_superusers(world, as_user):
    entry = audit_record(actor=world.users["supervisor"], action="pii.reveal", target=world.zto_courier,
                         reason="complaint 42")
    client = as_user("superuser")
    assert client.get(AUDIT).status_code == 200
    assert client.get(f"{AUDIT}add/").status_code == 403
    page = client.get(change_url(AUDIT, entry))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change_url(AUDIT, entry), {"reason": "edited"}).status_code == 403
    assert client.post(f"{AUDIT}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in client.get(AUDIT).content.decode()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "complaint 42"


def test_audit_log_is_scoped(world, as_user):
    zto = audit_record(actor=world.users["supervisor"], action="test.zto", organization=world.zto)
    yto = audit_record(actor=world.users["other_supervisor"], action="test.yto", organization=world.yto)
    provincial = audit_record(actor=world.users["regulator"], action="test.province",
                              province=Province.SHANGHAI)

    supervisor = as_user("supervisor")
    html = supervisor.get(AUDIT).content.decode()
    assert "test.zto" in html and "test.yto" not in html and "test.province" not in html
    assert supervisor.get(change_url(AUDIT, yto)).status_code == 404

    regulator = as_user("regulator")
    html = regulator.get(AUDIT).content.decode()
    assert "test.zto" in html and "test.province" in html and "test.yto" not in html
    assert regulator.get(change_url(AUDIT, zto)).status_code == 200
    assert as_user("other_regulator").get(change_url(AUDIT, provincial)).status_code == 404
