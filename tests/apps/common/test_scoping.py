"""Scoping is one mechanism: every model the API or the admin exposes declares its scope (``scoped_by``) and is read
through ``Model.objects.restrict(user)``. These tests walk the admin registry and the URL resolver so a new model
or endpoint cannot forget it, and check that the mechanism gives each role exactly its own slice."""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.accounts.models import Device
from apps.common.principals import DevicePrincipal
from apps.common.scoping import Scope
from apps.compliance.models import Alert
from apps.organizations.models import Facility, Organization, Staff
from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Parcel
from tests.helpers import accept

pytestmark = pytest.mark.django_db


def exposed_view_classes():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None)
                if view is not None and issubclass(view, GenericAPIView):
                    yield view, getattr(pattern.callback, "actions", None) or {}

    seen = set()
    for view, actions in walk(get_resolver().url_patterns):
        if view not in seen:
            seen.add(view)
            yield view, actions


def test_every_model_in_the_admin_declares_its_scope():
    missing = [model._meta.label for model in admin.site._registry if not isinstance(
        getattr(model, "scoped_by", None), Scope)]
    assert missing == []


def test_every_api_queryset_is_of_a_model_that_declares_its_scope(world):
    request = APIRequestFactory().get("/")
    force_authenticate(request, user=world.users["superuser"])
    request.user = world.users["superuser"]
    checked = []
    for view_class, actions in exposed_view_classes():
        view = view_class()
        view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
        view.action = next(iter(actions.values()), None) if actions else None
        model = view.get_queryset().model
        assert isinstance(getattr(model, "scoped_by", None), Scope), (view_class.__name__, model._meta.label)
        checked.append(model._meta.label)
    assert {"organizations.Staff", "accounts.Device", "compliance.Alert", "audit.AuditEntry",
            "senders.BlacklistEntry", "parcels.ProhibitedCategory"} <= set(checked)


def test_nobody_but_signed_in_accounts_sees_anything(world, client_for):
    accept(client_for("outlet_staff"))
    for user in (AnonymousUser(), DevicePrincipal(world.zto_device)):
        for model in (Organization, Facility, Staff, Device, AcceptanceRecord, Parcel, CheckpointEvent, Alert):
            assert not model.objects.restrict(user).exists(), (model._meta.label, user)


def test_each_role_sees_its_own_slice(world, client_for):
    accept(client_for("outlet_staff"))
    accept(client_for("other_outlet_staff"))
    users = world.users

    def codes(model, user, field):
        return set(model.objects.restrict(user).values_list(field, flat=True))

    assert codes(Organization, users["supervisor"], "code") == {"ZTO"}
    assert codes(Organization, users["regulator"], "code") == {"ZTO"}
    assert codes(Organization, users["other_regulator"], "code") == {"YTO"}
    assert codes(Facility, users["outlet_staff"], "code") == {"SH-PD-01"}
    assert codes(Facility, users["screener"], "code") == {"SH-HUB-01"}
    assert codes(Facility, users["supervisor"], "code") == {"SH-PD-01", "SH-HUB-01"}
    assert codes(Parcel, users["supervisor"], "organization__code") == {"ZTO"}
    assert codes(Parcel, users["other_regulator"], "organization__code") == {"YTO"}
    assert codes(Parcel, users["screener"], "organization__code") == set()  # parcels are scoped by their outlet
    assert codes(CheckpointEvent, users["outlet_staff"], "parcel__outlet__code") == {"SH-PD-01"}
    assert len(codes(Parcel, users["superuser"], "organization__code")) == 2


def test_a_model_without_a_scope_fails_closed(world):
    """Restricting a model that declares no scope is a programming error, never "everything"."""
    from apps.common.models import OutboxMessage
    from apps.common.scoping import RestrictedQuerySet

    with pytest.raises(TypeError, match="declares no scope"):
        RestrictedQuerySet(model=OutboxMessage).restrict(world.users["supervisor"])
