"""partitions: the evidence tables' monthly partitions — list them, create the months ahead, drop the expired ones.

The beat (``greenshield.partitions_maintain``) creates months ahead even as the app role; dropping expired months
destroys evidence and is the owner's alone: where the service runs under ``db_roles``, run
``manage.py partitions --drop-expired`` as the owner (a daily timer next to the deployment)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from apps.common.partitions import PARTITIONED, default_name, is_postgresql, months_attached, partition_name, partitions_ensure
from apps.compliance.retention import partitions_drop_expired


class Command(BaseCommand):
    help = "List the evidence tables' monthly partitions; --ensure creates the months ahead, --drop-expired drops " \
           "months past retention (with destruction records)."

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="create the months ahead (and move rows out of "
                                                                  "the default partition into their month)")
        parser.add_argument("--drop-expired", action="store_true", help="drop whole months past retention")

    def handle(self, *args, ensure, drop_expired, **options):
        if not is_postgresql():
            raise CommandError("Partitions are a PostgreSQL feature: the embedded database keeps plain tables.")
        now = timezone.now()
        if ensure:
            for name in partitions_ensure(now=now):
                self.stdout.write(f"created {name}")
        if drop_expired:
            for dropped in partitions_drop_expired(now=now):
                self.stdout.write(f"dropped {dropped.partition}: {dropped.rows} rows (destruction recorded)")
        with connection.cursor() as cursor:
            for spec in PARTITIONED.values():
                months = months_attached(cursor, spec.table)
                self.stdout.write(self.style.MIGRATE_HEADING(
                    f"{spec.table} by {spec.column}, kept {spec.retention or 'for ever'}: {len(months)} months"))
                for month in months:
                    name = partition_name(spec.table, month)
                    cursor.execute("SELECT greatest(reltuples, 0)::bigint, pg_total_relation_size(oid) FROM pg_class "
                                   "WHERE oid = %s::regclass", [name])
                    rows, size = cursor.fetchone()
                    self.stdout.write(f"  {month:%Y-%m}  ~{rows:>12,} rows  {size / 2**20:>10,.1f} MiB  {name}")
                cursor.execute(f'SELECT count(*) FROM "{spec.table}" WHERE tableoid = %s::regclass',  # noqa: S608
                               [default_name(spec.table)])
                outside = cursor.fetchone()[0]
                style = self.style.WARNING if outside else (lambda text: text)
                self.stdout.write(style(f"  default partition: {outside} rows outside the months"
                                        + (" — run --ensure as the owner to move them" if outside else "")))
