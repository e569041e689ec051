"""factory_boy factories. Every identity here is synthetic (valid check digits, invented people)."""
from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Group

from apps.accounts.models import Device, DeviceAPIKey, User
from apps.organizations.models import Facility, Organization, Staff, Vehicle
from greenshield.enums import FacilityKind, Province, Role
from greenshield.identity import make_resident_id

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n:03d}")
    name = factory.LazyAttribute(lambda o: f"{o.code} Express")
    license_no = factory.Sequence(lambda n: f"LIC-{n:06d}")
    province = Province.SHANGHAI


REGION_OF_PROVINCE = {Province.SHANGHAI: "310115", Province.JIANGSU: "320102", Province.ZHEJIANG: "330106"}


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"FAC-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Facility {o.code}")
    kind = FacilityKind.OUTLET
    organization = factory.SubFactory(OrganizationFactory)
    region_code = factory.LazyAttribute(lambda o: REGION_OF_PROVINCE.get(o.organization.province, "310115"))
    address = "世纪大道100号"


def synthetic_resident_id(n: int) -> str:
    return make_resident_id("310115", datetime.date(1980, 1, 1) + datetime.timedelta(days=n % 9000), n % 1000)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    organization = factory.LazyAttribute(lambda o: o.facility.organization if o.facility else OrganizationFactory())
    facility = factory.SubFactory(FacilityFactory)
    name = factory.Sequence(lambda n: "测试员" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "号"[: n % 2])
    id_type = "RESIDENT_ID"
    id_number = factory.Sequence(lambda n: synthetic_resident_id(n + 7))
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    plate = factory.Sequence(lambda n: f"沪A{n:05d}")
    organization = factory.SubFactory(OrganizationFactory)


class DeviceFactory(factory.django.DjangoModelFactory):
    """A device with an API key (``device.plain_api_key``). Built directly, like the other reference data here:
    the services' audit entries are for what people do, not for the test's scenery."""

    class Meta:
        model = Device

    serial = factory.Sequence(lambda n: f"SCN-{n:05d}")
    facility = factory.SubFactory(FacilityFactory)
    organization = factory.LazyAttribute(lambda o: o.facility.organization)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        device = Device.objects.create(**kwargs)
        _, device.plain_api_key = DeviceAPIKey.objects.create_key(name=device.serial[:50], device=device)
        return device


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=Role(extracted).value)[0])
            self._role_cache = Role(extracted)
        self.save()



# The records people make (senders, acceptances, screenings, alerts, blacklist entries), through the services; they
# build on the reference data above.
from .records import AcceptanceFactory, AlertFactory, BlacklistEntryFactory, ScreeningFactory, SenderFactory  # noqa: E402, F401
