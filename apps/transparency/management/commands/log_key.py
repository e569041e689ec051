"""log_key: print a new signing key for GREENSHIELD_LOG_KEY, or (--verifier) the verifier key of the one in use,
in the signed-note format, for distribution out of band."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.transparency.keys import log_verifier
from greenshield import note


class Command(BaseCommand):
    help = "Print a new log signing key (for GREENSHIELD_LOG_KEY), or --verifier: the verifier key in use."

    def add_arguments(self, parser):
        parser.add_argument("--verifier", action="store_true", help="print the verifier key of the key in use")
        parser.add_argument("--name", default=None, help="key name (the log's origin) of a new key")

    def handle(self, *args, verifier, name, **options):
        if verifier:
            self.stdout.write(log_verifier().encode())
        else:
            self.stdout.write(note.signer_generate(name or settings.GREENSHIELD_LOG_ORIGIN).encode())
