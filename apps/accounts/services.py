"""Writes on accounts and devices, and the record of logins. Each write its audit entry, in one transaction."""
from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from apps.audit.services import audit_record
from apps.common.client_address import client_address
from greenshield.enums import Role
from greenshield.errors import ValidationFailed

from .models import DEVICE_SERIAL_MAX_LENGTH, Device, DeviceAPIKey, User


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
    _, key = DeviceAPIKey.objects.create_key(name=serial[:DEVICE_SERIAL_MAX_LENGTH], device=device)
    _device_audit(actor=actor, device=device, verb="create", via=via, request=request)
    return device, key


@transaction.atomic
def device_key_rotate(*, device: Device, actor=None, via: str = "system", request=None) -> str:
    """Revoke every key of the device and issue a new one (returned once)."""
    DeviceAPIKey.objects.filter(device=device, revoked=False).update(revoked=True)
    _, key = DeviceAPIKey.objects.create_key(name=device.serial[:DEVICE_SERIAL_MAX_LENGTH], device=device)
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
    # Only real changes of the role touch the groups: a role change ends the account's sessions (signals).
    groups = ensure_role_groups()
    wanted = {groups[role].pk} if role is not None else set()
    held = set(user.groups.filter(pk__in=[group.pk for group in groups.values()]).values_list("pk", flat=True))
    if held - wanted:
        user.groups.remove(*(held - wanted))
    if wanted - held:
        user.groups.add(*(wanted - held))
    user._role_cache = role
    audit_record(actor=actor, action="account.save", target=user, request=request, organization=user.organization,
                 province=user.province, data={"role": role.value if role else "superuser" if superuser else None,
                                               "via": via})
    return user


# -- logins ----------------------------------------------------------------------------------------------------

def _client(request) -> dict:
    return {"client": client_address(request)} if request is not None else {}


def login_succeeded(*, user, request=None) -> None:
    """A successful sign-in (admin or API): audited with the client's address."""
    audit_record(actor=user, action="auth.login", target=user, request=request, data=_client(request))


def _target_name(username: str) -> str:
    # A mistyped username may be a password typed into the wrong box: only existing accounts are named.
    return username if User.objects.filter(username=username).exists() else "(unknown account)"


def login_failed(*, username: str, failures: int | None = None, locked: bool = False, request=None) -> None:
    """A failed sign-in (counted by the lockout, ``apps.accounts.lockout``): audited with the client's address,
    naming the account only if it exists. ``locked``: the attempt was refused because the pair was locked."""
    username = str(username or "")[:150]
    audit_record(actor=None, action="auth.login_failed", target_type="user", target_id=_target_name(username),
                 request=request, data={"failures": failures, "locked": locked, **_client(request)})


def login_locked(*, username: str, request=None) -> None:
    """A username locked for the client's address: audited once, when it happens."""
    username = str(username or "")[:150]
    audit_record(actor=None, action="auth.locked", target_type="user", target_id=_target_name(username),
                 request=request, data=_client(request))


# -- sign-in sessions (django-rest-knox tokens) ------------------------------------------------------------------

@transaction.atomic
def token_issue(*, user: User, request=None) -> tuple[str, datetime.datetime]:
    """A new token for a successful sign-in, with its expiry: the key is returned here, once, and only its digest
    is stored. The account's expired tokens are cleared on the way."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, key = AuthToken.objects.create(user=user)
    audit_record(actor=user, action="auth.token", target=user, request=request,
                 data={"expires_at": instance.expiry, **_client(request)})
    return key, instance.expiry


@transaction.atomic
def token_revoke(*, token: AuthToken, request=None) -> None:
    """Sign out: the token presented stops working at once."""
    user = token.user
    AuthToken.objects.filter(pk=token.pk).delete()
    audit_record(actor=user, action="auth.logout", target=user, request=request, data=_client(request))


#: The account attributes a token's holder was trusted with: a change of any ends every session of the account
#: (``signals``: saves of the account, and its role groups).
SESSION_BOUND_FIELDS = ("password", "is_active", "is_superuser", "is_staff", "organization_id", "facility_id",
                        "province", "staff_id")


@transaction.atomic
def account_sessions_end(*, user: User, reason: str) -> int:
    """Revoke every token of the account (its password, role, scope or active flag changed); audited when there
    was one. Returns how many were revoked."""
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    if revoked:
        audit_record(actor=None, action="auth.sessions_ended", target=user, data={"reason": reason, "tokens": revoked})
    return revoked
