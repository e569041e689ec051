"""The objects the permission matrix and the schemathesis run address, on top of the conftest ``world``: for each
kind, one the requesting role may see (a ZTO object — at the role's own facility where scoping goes by facility)
and one it may not (the YTO counterpart, in another company and province). Everything is built lazily, so a case
creates only what its endpoint addresses."""
from __future__ import annotations

import uuid
from functools import cached_property

from apps.accounts.models import Device
from apps.audit.services import audit_record
from greenshield.enums import FacilityKind
from tests.factories import (
    PASSWORD,
    AcceptanceFactory,
    AlertFactory,
    BlacklistEntryFactory,
    FacilityFactory,
    ScreeningFactory,
    StaffFactory,
    VehicleFactory,
    synthetic_resident_id,
)

IN, OUT = "in", "out"
ZTO_PLATE, YTO_PLATE = "沪A12345", "苏A54321"


class MatrixWorld:
    def __init__(self, world):
        self.world = world
        self.users = world.users

    # Reference data -----------------------------------------------------------------------------------------

    @cached_property
    def vehicles(self):
        return (VehicleFactory(plate=ZTO_PLATE, organization=self.world.zto),
                VehicleFactory(plate=YTO_PLATE, organization=self.world.yto))

    @cached_property
    def outlet_device(self) -> Device:
        """The ZTO outlet's scanner: the only device outlet staff may see (devices are scoped by facility)."""
        return Device.objects.create(serial="SCN-ZTO-PD", organization=self.world.zto,
                                     facility=self.world.zto_outlet)

    def fresh(self, kind: str, scope: str):
        """An object nothing refers to, for a DELETE that should succeed."""
        organization = self.world.zto if scope == IN else self.world.yto
        facility = self.world.zto_outlet if scope == IN else self.world.yto_outlet
        tag = uuid.uuid4().hex[:6].upper()
        if kind == "facility":
            return FacilityFactory(code=f"TMP-{tag}", organization=organization, kind=FacilityKind.STATION)
        if kind == "staff":
            return StaffFactory(employee_no=f"T{tag}", organization=organization, facility=facility)
        if kind == "vehicle":
            return VehicleFactory(plate=("沪B" if scope == IN else "苏B") + str(int(tag, 16) % 100000).zfill(5),
                                  organization=organization)
        if kind == "device":
            return Device.objects.create(serial=f"SCN-TMP-{tag}", organization=organization, facility=facility)
        raise KeyError(kind)

    # Parcels and what hangs off them ------------------------------------------------------------------------

    @cached_property
    def zto_parcel(self):
        return AcceptanceFactory(account=self.users["outlet_staff"])

    @cached_property
    def yto_parcel(self):
        return AcceptanceFactory(account=self.users["other_outlet_staff"])

    def parcel(self, scope: str):
        return self.zto_parcel if scope == IN else self.yto_parcel

    @cached_property
    def zto_screening(self):
        """A SUSPECT screening at the ZTO hub, not yet re-checked (it also puts the parcel on hold)."""
        return ScreeningFactory(actor=self.users["screener"], waybill_no=self.zto_parcel.waybill_no, result="SUSPECT")

    @cached_property
    def yto_hub_operator(self):
        """An X-ray operator of the YTO hub: a scanner's (or an operator's) screening names staff of its facility."""
        return StaffFactory(employee_no="E2002", organization=self.world.yto, facility=self.world.yto_hub)

    @cached_property
    def yto_screening(self):
        return ScreeningFactory(actor=self.users["superuser"], waybill_no=self.yto_parcel.waybill_no,
                                facility="NJ-HUB-01", operator=self.yto_hub_operator.employee_no, result="SUSPECT",
                                image_sha256="cd" * 32)

    def _alert(self, organization, facility):
        return AlertFactory(organization=organization, facility=facility, summary=f"matrix probe at {facility.code}")

    @cached_property
    def alerts(self):
        """Alerts are scoped by facility for outlet staff and screeners: one at the ZTO outlet, one at the ZTO hub,
        one at the YTO hub."""
        w = self.world
        return {"outlet": self._alert(w.zto, w.zto_outlet), "hub": self._alert(w.zto, w.zto_hub),
                "yto": self._alert(w.yto, w.yto_hub)}

    def _blacklist(self, issuer: str, id_number: str):
        return BlacklistEntryFactory(actor=self.users[issuer], reason="matrix probe", id_number=id_number)

    @cached_property
    def blacklist(self):
        """A company entry of each company (its supervisor revokes it) and a region-wide entry of each province's
        regulator (that regulator revokes it)."""
        return {"zto": self._blacklist("supervisor", synthetic_resident_id(901)),
                "yto": self._blacklist("other_supervisor", synthetic_resident_id(902)),
                "sh": self._blacklist("regulator", synthetic_resident_id(903)),
                "js": self._blacklist("other_regulator", synthetic_resident_id(904))}

    @cached_property
    def audit_entries(self):
        w = self.world
        return {IN: audit_record(actor=self.users["supervisor"], action="matrix.probe", target_type="probe",
                                 target_id="zto", organization=w.zto),
                OUT: audit_record(actor=self.users["other_supervisor"], action="matrix.probe", target_type="probe",
                                  target_id="yto", organization=w.yto)}

    @cached_property
    def capture_jobs(self):
        """An EPCIS capture job of each company's hub scanner."""
        from apps.epcis.models import CaptureJob

        w = self.world
        return {IN: CaptureJob.objects.create(device=w.zto_device, organization=w.zto),
                OUT: CaptureJob.objects.create(device=w.yto_device, organization=w.yto)}

    @cached_property
    def subscriptions(self):
        """An EPCIS subscription of the Shanghai regulator, and one of the Jiangsu regulator."""
        from apps.epcis.models import Subscription

        return {scope: Subscription.objects.create(owner=self.users[owner], dest="https://agency.example/hook",
                                                   secret="matrix-secret")
                for scope, owner in ((IN, "regulator"), (OUT, "other_regulator"))}

    # What a role addresses ----------------------------------------------------------------------------------

    @cached_property
    def checkpoint(self):
        from apps.transparency.services import log_integrate

        self.audit_entries  # noqa: B018 - evidence to sign
        return log_integrate().checkpoint

    def path_kwargs(self, target: str, role: str, scope: str) -> dict:
        """The URL arguments of the object ``target`` that is in (or out of) ``role``'s scope."""
        w, inside = self.world, scope == IN
        if target == "organization":
            return {"code": "ZTO" if inside else "YTO"}
        if target == "facility":
            own = {"outlet_staff": w.zto_outlet, "screener": w.zto_hub}.get(role, w.zto_outlet)
            return {"code": own.code if inside else "NJ-HUB-01"}
        if target == "staff":
            own = {"screener": "E1002"}.get(role, "E1001")
            return {"employee_no": own if inside else "E2001"}
        if target == "vehicle":
            zto, yto = self.vehicles
            return {"plate": (zto if inside else yto).plate}
        if target == "device":
            own = self.outlet_device.serial if role == "outlet_staff" else w.zto_device.serial
            return {"serial": own if inside else w.yto_device.serial}
        if target.startswith("fresh_"):
            obj = self.fresh(target.removeprefix("fresh_"), scope)
            field = {"facility": "code", "staff": "employee_no", "vehicle": "plate", "device": "serial"}[
                target.removeprefix("fresh_")]
            return {field: getattr(obj, field)}
        if target == "parcel":
            return {"waybill_no": self.parcel(scope).waybill_no}
        if target == "courier":
            return {"employee_no": "E1001" if inside else "E2001"}
        if target == "screening":
            return {"pk": (self.zto_screening if inside else self.yto_screening).pk}
        if target == "alert":
            own = self.alerts["outlet" if role == "outlet_staff" else "hub"]
            return {"pk": (own if inside else self.alerts["yto"]).pk}
        if target == "blacklist_entry":
            if role == "regulator":
                return {"pk": self.blacklist["sh" if inside else "js"].pk}
            return {"pk": self.blacklist["zto" if inside else "yto"].pk}
        if target == "audit_entry":
            return {"pk": self.audit_entries[scope].pk}
        if target == "capture_job":
            return {"capture_id": self.capture_jobs[scope].pk}
        if target == "subscription":
            return {"pk": self.subscriptions[scope].pk}
        if target in ("scan", "screened_parcel", "blacklisted_staff"):  # named in the body, not in the URL
            return {}
        if target == "log":  # the transparency log, with a signed checkpoint over this world's evidence
            self.checkpoint  # noqa: B018
            return {}
        raise KeyError(target)

    def credentials(self, role: str) -> dict:
        user = self.users.get(role, self.users["supervisor"])
        return {"username": user.username, "password": PASSWORD}
