"""verify_chains: re-hash every parcel's trace chain and every audit entry; exit status 1 and what was altered
listed if any stored link or audit entry was changed (or a link removed from inside a chain). Whether whole
records were removed or rewritten consistently is for ``verify_log``, against a saved checkpoint."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.audit.models import AuditEntry
from apps.audit.services import audit_entries_verify
from apps.parcels.chain import chains_verify_all
from apps.parcels.models import Parcel


class Command(BaseCommand):
    help = "Check every parcel's hash chain. Exit status 1 (and a list) when anything was altered."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, batch_size, no_progress, **options):
        total = Parcel.objects.count()
        bar = tqdm(total=total, unit="parcel", desc="Verifying chains", disable=no_progress, file=sys.stderr)
        broken = []
        expired = 0
        for parcel, verdict in chains_verify_all(batch_size=batch_size, progress=bar.update):
            expired += verdict.expired
            if not verdict.valid:
                broken.append((parcel.waybill_no, verdict))
        bar.close()
        audit_bar = tqdm(total=AuditEntry.objects.count(), unit="entry", desc="Verifying audit log",
                         disable=no_progress, file=sys.stderr)
        audit = audit_entries_verify(progress=audit_bar.update)
        audit_bar.close()
        if not audit.valid:
            self.stdout.write(self.style.ERROR(f"The audit log was altered: {len(audit.altered)} entries do not match "
                                               "their hash:"))
            for entry_id in audit.altered:
                self.stdout.write(f"  audit entry {entry_id}")
        else:
            self.stdout.write(self.style.SUCCESS(f"The audit log verifies ({audit.length} entries)."))
        if broken:
            self.stdout.write(self.style.ERROR(f"{len(broken)} of {total} parcel chains were altered:"))
            for waybill_no, verdict in broken:
                self.stdout.write(f"  {waybill_no}: {verdict.problem} (link {verdict.first_bad_seq})")
        else:
            past = f" ({expired} past retention, their links dropped with their month)" if expired else ""
            self.stdout.write(self.style.SUCCESS(f"All {total} parcel chains verify{past}."))
        if broken or not audit.valid:
            raise CommandError(f"{len(broken)} altered parcel chain(s); audit log "
                               f"{'intact' if audit.valid else 'altered'}", returncode=1)
