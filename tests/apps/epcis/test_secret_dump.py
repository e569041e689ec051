"""A subscription's webhook secret never reaches the database in clear: it is shown once, then kept only as
ciphertext (an insider with a dump cannot forge deliveries)."""
from __future__ import annotations

import pytest
from django.db import connection

from apps.epcis.models import Subscription
from tests.apps.organizations.test_pii_dump import dump_with_pg_dump, dump_with_sql


@pytest.mark.django_db(transaction=True)
def test_the_secret_is_stored_only_encrypted(require_postgres, world, client_for):
    created = client_for("regulator").post("/api/v1/epcis/subscriptions/", {"dest": "https://agency.example/hook"},
                                           format="json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert Subscription.objects.get().secret == secret
    dumps = {"sql": dump_with_sql(), "pg_dump": dump_with_pg_dump()}
    assert created.json()["id"] in dumps["sql"]
    for kind, dump in dumps.items():
        if dump is not None:
            assert secret not in dump, f"{kind} dump contains the secret"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM epcis_subscription")
        assert cursor.fetchone()[0].startswith("gs2$")
