"""Territorial scoping at size: how long the backfill of the territory data takes, and what PostgreSQL does with a
regulator's parcel list.

1. Creates a scratch database (``--db``, default ``greenshield_territory``), migrates it, and fills it with SQL:
   ``--parcels`` accepted parcels (default 1,000,000) at outlets in the three provinces, two links each, stored
   as the rows were before the territory existed (no company on the links, no territory rows).
2. Runs the migration's backfill steps on them and reports seconds per 10^6 parcels; the phone blind index
   (which decrypts each value) is timed on ``--phones`` rows and extrapolated.
3. Prints ``EXPLAIN (ANALYZE, BUFFERS)`` of a Jiangsu regulator's parcel list (the admin's changelist query:
   newest first, one page) and of a trace lookup by waybill.

    python bench/territory_bench.py [--parcels 1000000] [--phones 20000]
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import recreate_database  # noqa: E402


def log(message: str) -> None:
    print(message, flush=True)


def setup(db_url: str):
    os.environ["DATABASE_URL"] = db_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(parcels: int) -> dict:
    from django.db import connection

    from apps.accounts.services import account_save
    from apps.organizations.models import Facility, Organization, Staff
    from apps.senders.models import Sender
    from greenshield.enums import Role
    from greenshield.identity import make_resident_id

    org = Organization.objects.create(code="ZTO", name="Bench", province="310000", waybill_prefix="ZTO")
    outlets = [Facility.objects.create(code=f"OUT-{region}", name=region, kind="OUTLET", organization=org,
                                       region_code=region) for region in ("310115", "320106", "330106")]
    staff = Staff.objects.create(employee_no="B0001", organization=org, facility=outlets[0], name="测试",
                                 id_type="RESIDENT_ID", phone="+8613800000001",
                                 id_number=make_resident_id("310115", datetime.date(1990, 1, 1), 1))
    account = account_save(username="bench_outlet", role=Role.OUTLET_STAFF, facility=outlets[0], staff=staff)
    sender = Sender(kind="PERSON", id_type="RESIDENT_ID", name="寄件人", phone="+8613800000002", address="演示路1号",
                    id_number=make_resident_id("310115", datetime.date(1980, 1, 1), 2))
    sender.save()
    share = f"(CASE WHEN mod(n, 100) < 60 THEN {outlets[0].pk} WHEN mod(n, 100) < 85 THEN {outlets[1].pk} " \
            f"ELSE {outlets[2].pk} END)"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # As before the territory: links without their company (the migration makes the column NOT NULL after
        # its backfill; the scratch database goes back to that state for the fill).
        cursor.execute("ALTER TABLE tracking_checkpointevent ALTER COLUMN organization_id DROP NOT NULL")
        cursor.execute(f"""
            INSERT INTO parcels_acceptancerecord (id, waybill_no, outcome, refusal_reason, organization_id, outlet_id,
                staff_id, account_id, sender_id, given_sender_organization_name, given_sender_uscc,
                recipient_region_code, weight_g, recorded_at, request_id)
            SELECT gen_random_uuid(), 'ZTO' || lpad(n::text, 12, '0'), 'ACCEPTED', '', {org.pk}, {share},
                   %s, {account.pk}, %s, '', '', '320102', 1000, now() - n * interval '1 second', ''
            FROM generate_series(1, %s) AS n""", [staff.pk, sender.pk, parcels])
        cursor.execute("""
            INSERT INTO parcels_parcel (id, waybill_no, organization_id, outlet_id, acceptance_id, sender_id, status,
                screening_status, status_before_hold, accepted_at, status_since, contract_customer, chain_length,
                chain_head, updated_at)
            SELECT gen_random_uuid(), a.waybill_no, a.organization_id, a.outlet_id, a.id, a.sender_id, 'ACCEPTED',
                   'PENDING', '', a.recorded_at, a.recorded_at, false, 2, '', now()
            FROM parcels_acceptancerecord AS a""")
        cursor.execute("""
            INSERT INTO tracking_checkpointevent (event_id, organization_id, parcel_id, parcel_accepted_at, seq, type,
                occurred_at, recorded_at, facility_id, actor, detail, flags, content_digest, prev_hash, hash)
            SELECT gen_random_uuid(), NULL, p.id, p.accepted_at, s.seq, CASE s.seq WHEN 1 THEN 'ACCEPTED' ELSE 'INSPECTED' END,
                   p.accepted_at, p.accepted_at, p.outlet_id, 'bench', '{}', '[]', '', '', ''
            FROM parcels_parcel AS p CROSS JOIN (VALUES (1), (2)) AS s(seq)""")
        cursor.execute("ANALYZE")
    log(f"filled {parcels:,} parcels and {2 * parcels:,} links in {time.perf_counter() - started:.1f} s")
    return {"org": org, "outlets": outlets}


def backfill(parcels: int, phones: int) -> None:
    import importlib

    from django.apps import apps
    from django.db import connection

    from apps.parcels.models import AcceptanceRecord

    migration = importlib.import_module("apps.parcels.migrations.0010_territory_backfill")

    class Editor:
        def __init__(self):
            self.connection = connection

    per_million = 1_000_000 / parcels
    for step in (migration.organizations_of_events, migration.territories):
        started = time.perf_counter()
        step(apps, Editor())
        seconds = time.perf_counter() - started
        log(f"backfill {step.__name__}: {seconds:.1f} s for {parcels:,} parcels = {seconds * per_million:.1f} s "
            "per 10^6 parcels")
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("ALTER TABLE tracking_checkpointevent ALTER COLUMN organization_id SET NOT NULL")
        cursor.execute("ANALYZE")
        log(f"backfill NOT NULL check and ANALYZE: {time.perf_counter() - started:.1f} s")
    sample = list(AcceptanceRecord.objects.order_by("pk")[:phones])
    for record in sample:  # as stored before the index existed: the ciphertext only
        record.given_sender_phone = "+8613800000003"
        record.save(update_fields=["given_sender_phone"])
    AcceptanceRecord.objects.filter(pk__in=[r.pk for r in sample]).update(given_sender_phone_index=None)
    started = time.perf_counter()
    migration.phone_indexes(apps, Editor())
    seconds = time.perf_counter() - started
    log(f"backfill phone_indexes: {seconds:.1f} s for {phones:,} acceptances = {seconds * 1_000_000 / phones:.0f} s "
        "per 10^6 acceptances")


def explain() -> None:
    from django.db import connection

    from apps.accounts.models import User
    from apps.parcels.models import Parcel
    from greenshield.enums import Role
    from tests.factories import UserFactory

    regulator = User.objects.filter(username="js_bench").first() or UserFactory(
        username="js_bench", role=Role.REGULATOR, province="320000", is_staff=True)
    listing = (Parcel.objects.restrict(regulator).select_related("organization", "outlet", "sender")
               .order_by("-accepted_at")[:100])
    waybill = Parcel.objects.filter(outlet__province="320000").values_list("waybill_no", flat=True).first()
    lookup = Parcel.objects.restrict(regulator).filter(waybill_no=waybill)
    with connection.cursor() as cursor:
        for title, queryset in (("regulator's parcel list (newest 100)", listing), ("trace lookup", lookup)):
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            log(f"\n-- {title}\n" + "\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--phones", type=int, default=20_000)
    parser.add_argument("--db", default="greenshield_territory")
    parser.add_argument("--base-url", default=os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test"))
    args = parser.parse_args()
    setup(recreate_database(args.base_url, args.db))
    fill(args.parcels)
    backfill(args.parcels, min(args.phones, args.parcels))
    explain()


if __name__ == "__main__":
    main()
