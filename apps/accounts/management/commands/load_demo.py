"""Load the demo network (fixtures/demo_network.json): companies, facilities, staff, vehicles, devices and one
account per role. Idempotent: running it again changes nothing that exists. Identities are synthetic."""
from __future__ import annotations

import datetime
import json
import random
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.models import Device, User
from apps.accounts.services import account_save, device_create, device_key_rotate
from apps.organizations.models import Facility, Organization, Staff, Vehicle
from greenshield.enums import FacilityKind, Role
from greenshield.identity import make_resident_id

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_network.json"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def synthetic_person(rng: random.Random, region_code: str, seq: int) -> dict:
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randrange(0, 30 * 365))
    return {
        "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "id_number": make_resident_id(region_code, birth, seq),
        "phone": "+86" + rng.choice(("139", "138", "137", "186", "158")) + f"{rng.randrange(0, 10**8):08d}",
    }


class Command(BaseCommand):
    help = "Load demo companies, facilities, staff, vehicles, devices and accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--rotate-device-keys", action="store_true",
                            help="Issue new API keys for the demo devices and print them.")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, rotate_device_keys=False, quiet_logins=False, **options):
        if settings.PRODUCTION:
            raise CommandError("load_demo is for development and demonstrations, not production.")
        data = json.loads(FIXTURE.read_text())
        password = data["password"]
        rng = random.Random(20261129)  # deterministic: the same demo people every time
        new_keys: dict[str, str] = {}
        logins: list[tuple[str, str, str]] = []
        with transaction.atomic():
            if not User.objects.filter(username="admin").exists():
                account_save(username="admin", role=None, password=password, superuser=True, via="load_demo")
            logins.append(("admin", "superuser (operator)", "everything"))
            for index, org_data in enumerate(data["organizations"], start=1):
                new_keys.update(self._load_company(org_data, index, rng, password, logins, rotate_device_keys))
            for regulator in data["regulators"]:
                if not User.objects.filter(username=regulator["username"]).exists():
                    account_save(username=regulator["username"], role=Role.REGULATOR, password=password,
                                 province=regulator["province"], via="load_demo")
                logins.append((regulator["username"], "regulator", f"province {regulator['province']}"))
            for regional in data.get("regional_regulators", []):
                if not User.objects.filter(username=regional["username"]).exists():
                    account_save(username=regional["username"], role=Role.REGIONAL_REGULATOR, password=password,
                                 via="load_demo")
                logins.append((regional["username"], "regional_regulator", "the whole Delta"))
        counts = {m._meta.verbose_name_plural: m.objects.count() for m in (Organization, Facility, Staff, Vehicle, Device)}
        self.stdout.write(self.style.SUCCESS("Demo data loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items())))
        if not quiet_logins:
            self.stdout.write(f"\nDemo logins (password for all: {password}):")
            for username, role, scope in logins:
                self.stdout.write(f"  {username:<16} {role:<22} {scope}")
            if new_keys:
                self.stdout.write("\nScanner device API keys (shown once; `load_demo --rotate-device-keys` issues new ones):")
                for serial, key in new_keys.items():
                    self.stdout.write(f"  {serial:<16} Api-Key {key}")
            self.stdout.write("\nAPI: http://127.0.0.1:8000/api/v1/docs/   Admin: http://127.0.0.1:8000/admin/\n")

    def _load_company(self, org_data, index, rng, password, logins, rotate_keys) -> dict[str, str]:
        keys: dict[str, str] = {}
        org, _ = Organization.objects.get_or_create(
            code=org_data["code"],
            defaults={k: org_data[k] for k in ("name", "license_no", "province")},
        )
        code = org.code.lower()
        for plate, kind in org_data["vehicles"]:
            Vehicle.objects.get_or_create(plate=plate, defaults={"organization": org, "kind": kind})
        facilities = []
        for fac in org_data["facilities"]:
            facility, _ = Facility.objects.get_or_create(
                code=fac["code"],
                defaults={"organization": org, **{k: fac[k] for k in ("name", "kind", "region_code", "address")}},
            )
            facilities.append(facility)
        seq = 0
        for facility in facilities:
            per_facility = 3 if facility.kind == FacilityKind.OUTLET else 2
            for _ in range(per_facility):
                seq += 1
                person = synthetic_person(rng, facility.region_code, seq)
                employee_no = f"E{index}{seq:03d}"
                if not Staff.objects.filter(employee_no=employee_no).exists():
                    Staff.objects.create(employee_no=employee_no, organization=org, facility=facility,
                                         id_type="RESIDENT_ID", **person)
            # Every facility has its scanner: a device scans only where it is installed.
            serial = f"SCN-{facility.code}"
            device = Device.objects.filter(serial=serial).first()
            if device is None:
                device, key = device_create(serial=serial, organization=org, facility=facility,
                                            description=f"Scanner at {facility.name}", via="load_demo")
                keys[serial] = key
            elif rotate_keys:
                keys[serial] = device_key_rotate(device=device, via="load_demo")
        outlets = [f for f in facilities if f.kind == FacilityKind.OUTLET]
        hub = next(f for f in facilities if f.kind == FacilityKind.HUB)
        accounts = [
            (f"{code}_outlet{'' if n == 1 else n}", Role.OUTLET_STAFF,
             {"facility": outlet, "staff": outlet.staff.order_by("employee_no").first()})
            for n, outlet in enumerate(outlets, start=1)
        ] + [
            (f"{code}_screener", Role.SCREENER, {"facility": hub, "staff": hub.staff.order_by("employee_no").first()}),
            (f"{code}_supervisor", Role.SUPERVISOR, {"organization": org}),
        ]
        for username, role, scope in accounts:
            if not User.objects.filter(username=username).exists():
                account_save(username=username, role=role, password=password, via="load_demo", **scope)
            where = f"{org.code} {scope['facility'].code}" if "facility" in scope else org.code
            logins.append((username, role.value, where))
        return keys
