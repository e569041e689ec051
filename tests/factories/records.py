"""Factories for the records people make — senders, acceptances, screenings, alerts and blacklist entries — each
through the service that makes it in production, so that what comes with a record (the verification, inspection,
parcel and chain of an acceptance, a screening's link and hold, an alert's outbox message, the audit entries) exists
as it would. Synthetic people only."""
from __future__ import annotations

import factory
from django.utils import timezone

from apps.compliance.models import Alert
from apps.compliance.services import alert_raise
from apps.parcels.models import AcceptanceRecord, Parcel
from apps.screening.models import Screening
from apps.screening.services import screening_record
from apps.senders.models import BlacklistEntry, Sender
from apps.senders.services import blacklist_create, sender_upsert
from greenshield.enums import AlertKind, BlacklistSubject, FacilityKind, Province, Role, ScreeningResult, SenderKind
from greenshield.identity import IdType
from tests.helpers import accept_as

from . import FacilityFactory, OrganizationFactory, StaffFactory, UserFactory, synthetic_resident_id


def outlet_account(organization=None):
    """An outlet_staff account linked to an active staff member of a new outlet (of ``organization``)."""
    outlet = FacilityFactory(kind=FacilityKind.OUTLET, **({"organization": organization} if organization else {}))
    staff = StaffFactory(facility=outlet, organization=outlet.organization)
    return UserFactory(role=Role.OUTLET_STAFF, organization=outlet.organization, facility=outlet, staff=staff)


def screener_account(organization):
    """A screener account linked to an active staff member of a new hub of ``organization``."""
    hub = FacilityFactory(kind=FacilityKind.HUB, organization=organization)
    staff = StaffFactory(facility=hub, organization=organization)
    return UserFactory(role=Role.SCREENER, organization=organization, facility=hub, staff=staff)


class SenderFactory(factory.django.DjangoModelFactory):
    """A sender through ``sender_upsert``: one per identity document, as acceptances make them (``verified``: as
    a verified acceptance leaves them, unless the test says otherwise)."""

    class Meta:
        model = Sender

    kind = SenderKind.PERSON
    name = factory.Sequence(lambda n: "寄件人" + "甲乙丙丁戊己庚辛壬癸"[n % 10])
    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(lambda n: synthetic_resident_id(n + 5003))
    phone = factory.Sequence(lambda n: f"+86137{n:08d}")
    address = factory.Sequence(lambda n: f"上海市浦东新区样例路{n + 1}号")

    verified = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return sender_upsert(**kwargs)


class AcceptanceFactory(factory.django.DjangoModelFactory):
    """An acceptance attempt through ``acceptance_record`` (the view's serializer, then the service): the default
    body, at a new outlet unless ``account`` is given; any other keyword changes the body as ``acceptance_body``
    does (``waybill_no=``, ``inspection={"result": "PROHIBITED_FOUND"}``, ``sender={…}``). An accepted record has
    its parcel (``record.parcel_obj``) and chain."""

    class Meta:
        model = AcceptanceRecord

    account = factory.LazyFunction(outlet_account)

    @classmethod
    def _create(cls, model_class, *args, account, **changes):
        return accept_as(account, **changes)


def _parcel_of(waybill_no: str) -> Parcel:
    return Parcel.objects.select_related("organization").get(waybill_no=waybill_no)


class ScreeningFactory(factory.django.DjangoModelFactory):
    """An X-ray result through ``screening_record``, which puts a SUSPECT or PROHIBITED parcel on hold and raises its
    alert: of a newly accepted parcel unless ``waybill_no`` is given, by a screener of a new hub of the parcel's
    company unless ``actor`` is (a superuser or device also names ``facility`` and ``operator``)."""

    class Meta:
        model = Screening

    waybill_no = factory.LazyFunction(lambda: AcceptanceFactory().waybill_no)
    actor = factory.LazyAttribute(lambda o: screener_account(_parcel_of(o.waybill_no).organization))
    facility = factory.LazyAttribute(lambda o: o.actor.facility.code)
    machine_id = "XR-01"
    operator = factory.LazyAttribute(lambda o: o.actor.staff.employee_no)
    result = ScreeningResult.CLEAR
    image_ref = factory.LazyAttribute(lambda o: f"xray://{o.facility}/{o.machine_id}/1.png")
    image_sha256 = "ab" * 32
    screened_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return screening_record(**kwargs)


class AlertFactory(factory.django.DjangoModelFactory):
    """An alert through ``alert_raise``, with its outbox message: at a new hub unless ``facility`` is given
    (``facility=None`` for a company-wide alert), of the facility's company unless ``organization`` is."""

    class Meta:
        model = Alert

    kind = AlertKind.DISPATCH_WITHOUT_SCREENING
    facility = factory.SubFactory(FacilityFactory, kind=FacilityKind.HUB)
    organization = factory.LazyAttribute(lambda o: o.facility.organization if o.facility else OrganizationFactory())
    summary = factory.LazyAttribute(
        lambda o: f"{AlertKind(o.kind).label} at {o.facility.code if o.facility else o.organization.code}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return alert_raise(**kwargs)


class BlacklistEntryFactory(factory.django.DjangoModelFactory):
    """A blacklist entry through ``blacklist_create``: a region-wide entry of a new Shanghai regulator unless
    ``actor`` is given (a supervisor's entry binds their company); a sender's document, or ``staff=``."""

    class Meta:
        model = BlacklistEntry

    actor = factory.LazyFunction(lambda: UserFactory(role=Role.REGULATOR, province=Province.SHANGHAI, is_staff=True))
    staff = None
    subject = factory.LazyAttribute(lambda o: BlacklistSubject.STAFF if o.staff else BlacklistSubject.SENDER)
    id_type = factory.LazyAttribute(lambda o: "" if o.staff else IdType.RESIDENT_ID)
    id_number = factory.LazyAttributeSequence(lambda o, n: "" if o.staff else synthetic_resident_id(n + 7001))
    reason = "多次寄递违禁品"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return blacklist_create(**kwargs)
