"""log_integrate: give pending leaves their indices, extend the tree and sign a checkpoint (what the beat task
does every few seconds)."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.transparency.models import PendingLeaf
from apps.transparency.services import log_integrate


class Command(BaseCommand):
    help = "Integrate pending leaves into the transparency log and sign a checkpoint."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, batch_size, no_progress, **options):
        bar = tqdm(total=PendingLeaf.objects.count(), unit="leaf", desc="Integrating", disable=no_progress,
                   file=sys.stderr)
        result = log_integrate(batch_size=batch_size, progress=bar.update)
        bar.close()
        if result.busy:
            raise CommandError("Another integrator is running; nothing done.", returncode=2)
        self.stdout.write(self.style.SUCCESS(
            f"Integrated {result.integrated} leaves; tree size {result.size}, root {result.root.hex()}."))
        if result.checkpoint is not None:
            self.stdout.write(result.checkpoint.note, ending="")
