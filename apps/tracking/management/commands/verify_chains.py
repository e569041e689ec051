"""verify_chains: re-hash every parcel's trace chain; exit status 1 and the altered parcels listed if any stored
link was changed or removed."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.parcels.models import Parcel
from apps.tracking.services import chains_verify_all


class Command(BaseCommand):
    help = "Check every parcel's hash chain. Exit status 1 (and a list) when anything was altered."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, batch_size, no_progress, **options):
        total = Parcel.objects.count()
        bar = tqdm(total=total, unit="parcel", desc="Verifying chains", disable=no_progress, file=sys.stderr)
        broken = []
        for parcel, verdict in chains_verify_all(batch_size=batch_size, progress=bar.update):
            if not verdict.valid:
                broken.append((parcel.waybill_no, verdict))
        bar.close()
        if broken:
            self.stdout.write(self.style.ERROR(f"{len(broken)} of {total} parcel chains were altered:"))
            for waybill_no, verdict in broken:
                self.stdout.write(f"  {waybill_no}: {verdict.problem} (link {verdict.first_bad_seq})")
            raise CommandError(f"{len(broken)} altered chain(s)", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"All {total} parcel chains verify."))
