"""verify_log: prove from outside the database's word that the evidence is what the transparency log committed
to. Given a checkpoint saved earlier (``--checkpoint FILE``) the current tree must extend it; every signed
checkpoint must verify and match the leaves; every stored link and audit entry must hash to what it stores and
have its leaf, and every leaf its record. Exit status 1 and a list otherwise."""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.audit.models import AuditEntry
from apps.audit.services import audit_entries_verify
from apps.parcels.chain import chains_verify_all
from apps.parcels.models import Parcel
from apps.transparency.models import LogLeaf
from apps.transparency.services import log_verify, saved_checkpoint_open, tree_size
from greenshield.note import NoteError

from ...evidence import evidence_against_log, leaves_removed


class Command(BaseCommand):
    help = ("Check the stored evidence against the transparency log (and the log against a checkpoint saved "
            "earlier). Exit status 1 and a list when anything is not what the log committed to.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", type=Path, default=None,
                            help="a checkpoint saved earlier (GET /api/v1/log/checkpoint/)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, checkpoint, no_progress, **options):
        saved = None
        if checkpoint is not None:
            try:
                saved = saved_checkpoint_open(checkpoint.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, NoteError) as exc:
                raise CommandError(f"{checkpoint}: not a checkpoint signed by this log's key ({exc})",
                                   returncode=1) from None

        def bar(total, desc, unit):
            return tqdm(total=total, desc=desc, unit=unit, disable=no_progress, file=sys.stderr)

        problems = []
        removed = leaves_removed()
        with bar(tree_size() - removed, "Re-hashing the log", "leaf") as progress:
            problems += log_verify(saved=saved, removed=removed, progress=progress.update)
        with bar(Parcel.objects.count(), "Re-hashing chains", "parcel") as progress:
            problems += [f"parcel {parcel.waybill_no}: {verdict.problem} (link {verdict.first_bad_seq})"
                         for parcel, verdict in chains_verify_all(progress=progress.update) if not verdict.valid]
        with bar(AuditEntry.objects.count(), "Re-hashing audit entries", "entry") as progress:
            problems += [f"audit entry {entry_id}: does not match its hash"
                         for entry_id in audit_entries_verify(progress=progress.update).altered]
        problems += evidence_against_log()

        leaves = LogLeaf.objects.count()
        if problems:
            self.stdout.write(self.style.ERROR(f"{len(problems)} problem(s) with the evidence or the log:"))
            for problem in problems:
                self.stdout.write(f"  {problem}")
            raise CommandError(f"{len(problems)} problem(s); the evidence is not what the log committed to",
                               returncode=1)
        against = f", and it extends the saved checkpoint of size {saved.size}" if saved else ""
        dropped = f"; {removed} leaves of expired months dropped by retention, the tree checked from its tiles" \
            if removed else ""
        self.stdout.write(self.style.SUCCESS(
            f"The log verifies ({leaves} leaves, latest checkpoint size {tree_size()}{against}{dropped}); every link "
            "and audit entry matches its leaf."))
