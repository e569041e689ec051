from django.core.management.base import BaseCommand

from greenshield.crypto import generate_key_entry


class Command(BaseCommand):
    help = ("Print a new keyring entry `id=<base64 32 bytes>` for GREENSHIELD_KEYS. Put it first to make it primary, "
            "then run rotate_keys.")

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="key_id", help="Key id (default: random).")

    def handle(self, *args, key_id=None, **options):
        self.stdout.write(generate_key_entry(key_id))
