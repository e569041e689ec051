"""Object-level scoping, applied by every selector: what a user may see at all. Out of scope is 404."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.authentication import is_device
from greenshield.enums import Role


def scope_q(user, *, organization: str = "organization", facility: str | None = None,
            province: str | None = None) -> Q | None:
    """The filter for ``user`` over objects reached through ``organization`` (and ``facility`` for
    facility-bound roles); ``None`` means everything (superusers). ``province`` overrides the path used for
    regulators (default: the organization's province)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if is_device(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    role = user.role
    if role == Role.REGULATOR and user.province:
        return Q(**{province or f"{organization}__province": user.province})
    if role == Role.SUPERVISOR and user.organization_id:
        return Q(**{organization: user.organization_id})
    if role in (Role.OUTLET_STAFF, Role.SCREENER) and user.facility_id:
        if facility:
            return Q(**{facility: user.facility_id})
        return Q(**{organization: user.organization_id})
    return Q(pk__in=[])


def scope(queryset: QuerySet, user, **paths) -> QuerySet:
    q = scope_q(user, **paths)
    return queryset if q is None else queryset.filter(q)
