"""rotate_keys [--batch-size N] [--verify]: re-encrypt every encrypted field under the primary key of
GREENSHIELD_KEYS (put the new key first), recompute blind indexes, then — with --verify — decrypt everything and
report how many values each key id holds, and exit 1 while any value does not decrypt or is still under another
key or in the old gs1 format (counted per model.field) — only then may the old key be retired. Resumable and
safe while the service writes."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.audit.services import keyring_rotation_record
from apps.common import rotation
from greenshield import crypto


class Command(BaseCommand):
    help = "Re-encrypt personal data under the primary key (resumable); --verify decrypts everything."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--verify", action="store_true", help="Afterwards decrypt every value and count per key id.")
        parser.add_argument("--verify-only", action="store_true", help="Only verify; rotate nothing.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, batch_size, verify, verify_only, no_progress, **options):
        ring = crypto.current_keyring()
        self.stdout.write(f"Keyring: {', '.join(ring.ids)} (primary {ring.primary_id})")
        if not verify_only:
            todo = rotation.count_rows_to_rotate()
            report = rotation.RotationReport()
            for entry in rotation.encrypted_models():
                total = todo.get(entry.label, 0)
                bar = tqdm(total=total, unit="row", desc=f"Rotating {entry.label}", disable=no_progress or not total,
                           file=sys.stderr)
                rotation.rotate_model(entry, batch_size=batch_size, progress=bar.update, report=report)
                bar.close()
            for label in sorted(set(todo) | set(report.rotated)):
                skipped = report.skipped_concurrent.get(label, 0)
                note = f" ({skipped} changed meanwhile, already under the primary key)" if skipped else ""
                self.stdout.write(f"  {label:<28} {report.rotated.get(label, 0):>8} rows re-encrypted{note}")
            left = {k: v for k, v in rotation.count_rows_to_rotate().items() if v}
            keyring_rotation_record(primary_id=ring.primary_id, rotated=dict(report.rotated), left=left)
            if left:
                self.stdout.write(self.style.WARNING(f"Rows still under older keys (re-run): {left}"))
            else:
                self.stdout.write(self.style.SUCCESS(f"Every encrypted value is under {ring.primary_id}."))
        if verify or verify_only:
            total = sum(e.model.objects.count() for e in rotation.encrypted_models())
            bar = tqdm(total=total, unit="row", desc="Verifying", disable=no_progress, file=sys.stderr)
            result = rotation.verify_all(progress=bar.update)
            bar.close()
            counts = ", ".join(f"{key}: {n}" for key, n in sorted(result.by_key.items())) or "no values"
            self.stdout.write(f"Verified {result.values} values — per key id: {counts}")
            for label, pk, field_name, error in result.failures[:50]:
                self.stdout.write(self.style.ERROR(f"  cannot decrypt {label} {pk} {field_name}: {error}"))
            for (field_label, under), n in sorted(result.not_current.items()):
                self.stdout.write(self.style.ERROR(f"  {field_label}: {n} value(s) under {under}, not {ring.primary_id}"))
            if not result.ok:
                problems = []
                if result.failures:
                    problems.append(f"{len(result.failures)} value(s) do not decrypt")
                if result.not_current:
                    problems.append(f"{sum(result.not_current.values())} value(s) not yet under {ring.primary_id} "
                                    "(run rotate_keys again; keep the old key until this passes)")
                raise CommandError("; ".join(problems), returncode=1)
            self.stdout.write(self.style.SUCCESS(f"Every value decrypts. Every value is under {ring.primary_id}."))
