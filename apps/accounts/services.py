"""Writes on accounts and devices."""
from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from greenshield.enums import Role
from greenshield.errors import ValidationFailed

from .models import Device, DeviceAPIKey, User


@transaction.atomic
def device_create(*, serial: str, organization, facility=None, description: str = "",
                  is_active: bool = True) -> tuple[Device, str]:
    """Register a scanner and issue its API key. The plain key is returned here and never stored."""
    device = Device.objects.create(serial=serial, organization=organization, facility=facility,
                                   description=description, is_active=is_active)
    _, key = DeviceAPIKey.objects.create_key(name=serial, device=device)
    return device, key


@transaction.atomic
def device_key_rotate(*, device: Device) -> str:
    """Revoke every key of the device and issue a new one (returned once)."""
    DeviceAPIKey.objects.filter(device=device, revoked=False).update(revoked=True)
    _, key = DeviceAPIKey.objects.create_key(name=device.serial, device=device)
    return key


ROLE_SCOPE_REQUIREMENTS = {
    Role.OUTLET_STAFF: ("facility",),
    Role.SCREENER: ("facility",),
    Role.SUPERVISOR: ("organization",),
    Role.REGULATOR: ("province",),
}


def ensure_role_groups() -> dict[Role, Group]:
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


@transaction.atomic
def account_save(*, username: str, role: Role | None, password: str | None = None, organization=None,
                 facility=None, province: str = "", staff=None, superuser: bool = False) -> User:
    """Create or update an account with exactly one role and the scope that role needs."""
    if role is not None:
        role = Role(role)
        for attribute in ROLE_SCOPE_REQUIREMENTS[role]:
            if not {"facility": facility, "organization": organization or getattr(facility, "organization", None),
                    "province": province}[attribute]:
                raise ValidationFailed(f"Role {role.value} needs --{attribute}.", code="scope_required",
                                       attr=attribute)
    if facility is not None:
        if organization is not None and facility.organization_id != organization.pk:
            raise ValidationFailed("The facility belongs to another company.", code="facility_mismatch",
                                   attr="facility")
        organization = facility.organization
    if staff is not None and organization is not None and staff.organization_id != organization.pk:
        raise ValidationFailed("The staff member works for another company.", code="staff_mismatch",
                               attr="employee_no")
    if staff is not None and User.objects.filter(staff=staff).exclude(username=username).exists():
        raise ValidationFailed("That staff member already has an account.", code="staff_linked", attr="employee_no")
    if role == Role.REGULATOR:
        organization = facility = None
    user, _ = User.objects.get_or_create(username=username)
    user.organization = organization
    user.facility = facility
    user.province = province or ""
    user.staff = staff
    user.is_superuser = superuser
    # Supervisors, regulators and operators audit in the admin; other roles use the API only.
    user.is_staff = superuser or role in (Role.SUPERVISOR, Role.REGULATOR)
    if password:
        user.set_password(password)
    elif not user.has_usable_password() and not user.password:
        user.set_unusable_password()
    user.save()
    groups = ensure_role_groups()
    user.groups.remove(*groups.values())
    if role is not None:
        user.groups.add(groups[role])
    user._role_cache = role
    return user
