"""Object-level scoping: what a user may see at all. Out of scope is 404.

Each scoped model declares its scope once, as ``scoped_by = Scope(...)`` naming the paths from the model to its
company, its facility and the province regulators see it by, and uses a ``RestrictedQuerySet`` manager. Every
selector, base API view and admin ``get_queryset`` then calls ``Model.objects.restrict(user)`` (NetBox's
``RestrictedQuerySet.restrict()``); nothing filters by role by hand.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from greenshield.enums import Role

from .principals import is_device

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class TerritoryRows:
    """A territory table reached from the scoped model: rows ``(owner, province)`` under the reverse relation
    ``relation`` of the model at ``path`` (``""``: the scoped model itself). Matching is a semi-join
    (``owner IN (SELECT owner FROM territory WHERE province = …)``), so an owner seen in several provinces is
    never returned twice."""

    relation: str
    path: str = ""

    def q(self, model, provinces: list[str]) -> Q:
        owner = model
        for step in filter(None, self.path.split("__")):
            owner = owner._meta.get_field(step).related_model
        relation = owner._meta.get_field(self.relation)
        rows = relation.related_model.objects.filter(province__in=provinces).values(relation.field.attname)
        return Q(**{f"{self.path}__in" if self.path else "pk__in": rows})


TerritoryPart = str | TerritoryRows | Callable[[list[str]], Q]


@dataclass(frozen=True)
class Scope:
    """Paths from a model to what scopes it.

    ``organization``: the company (supervisors see their company's). ``facility``: the facility, for facility-bound
    roles (outlet staff and screeners see their facility's; without it, their company's). ``territory``: where it
    happened, for regulators — a regulator of province P sees what any of these parts places in P: a lookup
    ending in a province code (``facility__province``), a ``TerritoryRows`` table, or a callable giving a Q.
    ``province``: without a territory, the province path regulators see it by (default: the company's registered
    province). A ``regional_regulator`` sees the whole installation, which serves the region. ``via``: the model
    is visible exactly when a related row (a reverse relation) is, by that model's own scope. ``owner``: the account
    owning it (an agency's subscription) sees it, nobody else but operators. ``operators_only``: only
    superusers see it. ``public``: every signed-in account sees it (devices see nothing)."""

    organization: str | None = "organization"
    facility: str | None = None
    territory: tuple[TerritoryPart, ...] = ()
    province: str | None = None
    via: str | None = None
    owner: str | None = None
    operators_only: bool = False
    public: bool = False  # reference data every signed-in account may read (the prohibited-item catalogue)

    def q(self, model, user) -> Q | None:
        """The filter for ``user``; ``None`` means everything (operators)."""
        if user is None or not user.is_authenticated or is_device(user) or not user.is_active:
            return NOTHING
        if user.is_superuser:
            return None
        if self.owner:
            return Q(**{self.owner: user.pk})
        if self.public or user.role == Role.REGIONAL_REGULATOR:
            return None
        if self.operators_only:
            return NOTHING
        if self.via:
            return self.q_via(model, user)
        return self.q_for_role(user, model)

    def q_territory(self, model, provinces: list[str]) -> Q:
        q = NOTHING
        for part in self.territory:
            if isinstance(part, str):
                q |= Q(**{f"{part}__in": provinces})
            elif isinstance(part, TerritoryRows):
                q |= part.q(model, provinces)
            else:
                q |= part(provinces)
        return q

    def q_for_role(self, user, model=None) -> Q:
        role = user.role
        if role == Role.REGULATOR and user.province:
            if self.territory:
                return self.q_territory(model, [user.province])
            path = self.province or (f"{self.organization}__province" if self.organization else None)
            return Q(**{path: user.province}) if path else NOTHING
        if role == Role.SUPERVISOR and user.organization_id and self.organization:
            return Q(**{self.organization: user.organization_id})
        if role in (Role.OUTLET_STAFF, Role.SCREENER) and user.facility_id:
            if self.facility:
                return Q(**{self.facility: user.facility_id})
            if self.organization:
                return Q(**{self.organization: user.organization_id})
        return NOTHING

    def q_via(self, model, user) -> Q:
        relation = model._meta.get_field(self.via)
        related = relation.related_model
        visible = related.objects.restrict(user).filter(**{relation.field.name: OuterRef("pk")})
        return Q(Exists(visible))


class RestrictedQuerySet(QuerySet):
    def restrict(self, user) -> QuerySet:
        """The rows of this queryset ``user`` may see, by the model's declared ``scoped_by``."""
        scope = getattr(self.model, "scoped_by", None)
        if scope is None:
            raise TypeError(f"{self.model._meta.label} declares no scope (scoped_by).")
        q = scope.q(self.model, user)
        return self if q is None else self.filter(q)


def related_in_scope(model, relation_name: str, user) -> QuerySet:
    """The rows of ``model``'s reverse relation ``relation_name`` that ``user`` may see, correlated with the outer
    row (for subqueries such as "the latest acceptance of this sender in my scope")."""
    relation = model._meta.get_field(relation_name)
    return relation.related_model.objects.restrict(user).filter(**{relation.field.name: OuterRef("pk")})
