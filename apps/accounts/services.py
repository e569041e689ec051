"""Writes on accounts and devices, and the record of logins. Each write its audit entry, in one transaction."""
from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from apps.audit.services import audit_record
from greenshield.enums import Role
from greenshield.errors import ValidationFailed

from . import lockout
from .models import Device, DeviceAPIKey, User


def _device_audit(*, actor, device: Device, verb: str, via: str, request=None) -> None:
    organization = device.organization
    audit_record(actor=actor, action=f"device.{verb}", target=device, request=request, organization=organization,
                 province=organization.province, data={"via": via})


@transaction.atomic
def device_create(*, serial: str, organization, facility=None, description: str = "", is_active: bool = True,
                  actor=None, via: str = "system", request=None) -> tuple[Device, str]:
    """Register a scanner and issue its API key. The plain key is returned here and never stored."""
    device = Device.objects.create(serial=serial, organization=organization, facility=facility,
                                   description=description, is_active=is_active)
    _, key = DeviceAPIKey.objects.create_key(name=serial[:50], device=device)
    _device_audit(actor=actor, device=device, verb="create", via=via, request=request)
    return device, key


@transaction.atomic
def device_key_rotate(*, device: Device, actor=None, via: str = "system", request=None) -> str:
    """Revoke every key of the device and issue a new one (returned once)."""
    DeviceAPIKey.objects.filter(device=device, revoked=False).update(revoked=True)
    _, key = DeviceAPIKey.objects.create_key(name=device.serial[:50], device=device)
    _device_audit(actor=actor, device=device, verb="key_rotate", via=via, request=request)
    return key


ROLE_SCOPE_REQUIREMENTS = {
    Role.OUTLET_STAFF: ("facility", "staff"),
    Role.SCREENER: ("facility", "staff"),
    Role.SUPERVISOR: ("organization",),
    Role.REGULATOR: ("province",),
    Role.REGIONAL_REGULATOR: (),
}
#: Roles whose records name a staff member: the account is that member, working at the account's facility.
STAFF_ROLES = frozenset({Role.OUTLET_STAFF, Role.SCREENER})
SCOPE_NAMES = {"facility": "a facility", "organization": "a company", "province": "a province",
               "staff": "the staff member it belongs to (--employee-no)"}


def account_scope_errors(*, role: Role | None, organization=None, facility=None, province: str = "",
                         staff=None) -> list[ValidationFailed]:
    """Everything wrong with a role's scope, as errors with codes on the right fields — the one rule the service,
    ``create_account`` and the admin form apply."""
    errors = []
    company = organization or getattr(facility, "organization", None)
    if role is not None:
        present = {"facility": facility, "organization": company, "province": province, "staff": staff}
        for attribute in ROLE_SCOPE_REQUIREMENTS[Role(role)]:
            if not present[attribute]:
                errors.append(ValidationFailed(f"Role {Role(role).value} needs {SCOPE_NAMES[attribute]}.",
                                               code="scope_required", attr=attribute))
    if facility is not None and organization is not None and facility.organization_id != organization.pk:
        errors.append(ValidationFailed("The facility belongs to another company.", code="facility_mismatch",
                                       attr="facility"))
    if staff is not None and company is not None and staff.organization_id != company.pk:
        errors.append(ValidationFailed("The staff member works for another company.", code="staff_mismatch",
                                       attr="staff"))
    elif staff is not None and role in STAFF_ROLES and facility is not None and staff.facility_id != facility.pk:
        errors.append(ValidationFailed("The staff member works at another facility.", code="staff_mismatch",
                                       attr="staff"))
    return errors


def ensure_role_groups() -> dict[Role, Group]:
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}


@transaction.atomic
def account_save(*, username: str, role: Role | None, password: str | None = None, organization=None,
                 facility=None, province: str = "", staff=None, superuser: bool = False, actor=None,
                 via: str = "system", request=None) -> User:
    """Create or update an account with exactly one role and the scope that role needs; audited as
    ``account.save`` with who did it and through what (``via``: admin, create_account, …)."""
    role = Role(role) if role is not None else None
    errors = account_scope_errors(role=role, organization=organization, facility=facility, province=province,
                                  staff=staff)
    if errors:
        raise errors[0]
    if facility is not None:
        organization = facility.organization
    if staff is not None and User.objects.filter(staff=staff).exclude(username=username).exists():
        raise ValidationFailed("That staff member already has an account.", code="staff_linked", attr="staff")
    if role in (Role.REGULATOR, Role.REGIONAL_REGULATOR):
        organization = facility = None
    if role == Role.REGIONAL_REGULATOR:
        province = ""
    user, _ = User.objects.get_or_create(username=username)
    user.organization = organization
    user.facility = facility
    user.province = province or ""
    user.staff = staff
    user.is_superuser = superuser
    # Supervisors, regulators and operators audit in the admin; other roles use the API only.
    user.is_staff = superuser or role in (Role.SUPERVISOR, Role.REGULATOR, Role.REGIONAL_REGULATOR)
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
    audit_record(actor=actor, action="account.save", target=user, request=request, organization=user.organization,
                 province=user.province, data={"role": role.value if role else "superuser" if superuser else None,
                                               "via": via})
    return user


# -- logins ----------------------------------------------------------------------------------------------------

def login_succeeded(*, user, request=None) -> None:
    """A successful sign-in (admin or API): audited; the username's failure count starts again."""
    audit_record(actor=user, action="auth.login", target=user, request=request)


def login_failed(*, username: str, request=None) -> None:
    """A failed sign-in: counted towards the lockout and audited — naming the account only if it exists (a
    mistyped username may be a password typed into the wrong box). Locking is audited once, when it happens."""
    username = str(username or "")[:150]
    was_locked = lockout.is_locked(username)
    count = lockout.record_failure(username)
    target = username if User.objects.filter(username=username).exists() else "(unknown account)"
    audit_record(actor=None, action="auth.login_failed", target_type="user", target_id=target, request=request,
                 data={"failures": count, "locked": was_locked})
    if not was_locked and lockout.is_locked(username):
        audit_record(actor=None, action="auth.locked", target_type="user", target_id=target, request=request,
                     data={"failures": count})


def token_issued(*, user, created: bool, request=None) -> None:
    audit_record(actor=user, action="auth.token", target=user, request=request, data={"created": created})
