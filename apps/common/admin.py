"""Shared Django admin behaviour: the admin sees exactly what the API sees, and only operators change anything.

Every admin built on :class:`ScopedModelAdmin` takes its queryset from the app's selector for the requesting
user (NetBox's ``restrict()`` in the base view), answers 404 for anything outside it, lets supervisors and
regulators look but not touch, and audits the writes superusers make.
"""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404

from apps.audit.services import audit_record
from apps.common.fields import BlindIndexField, EncryptedTextField
from greenshield.enums import Role

#: Roles that audit in the admin (read-only). Outlet staff and screeners use the API only.
ADMIN_VIEW_ROLES = (Role.SUPERVISOR, Role.REGULATOR)


def is_operator(user) -> bool:
    """A superuser: the installation's operator, who alone changes reference data."""
    return bool(user.is_active and user.is_staff and user.is_superuser)


def can_view_admin(user) -> bool:
    """Operators, and supervisors or regulators with admin access."""
    if not (user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or getattr(user, "role", None) in ADMIN_VIEW_ROLES)


class NotFoundOutOfScopeMixin:
    """Objects missing from ``get_queryset`` (absent, or out of the user's scope) answer 404, like the API,
    instead of the admin's redirect that echoes the id back."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found.")
        return obj


class PersonalDataLookupGuardMixin:
    """Refuses changelist URL lookups on encrypted columns and their blind indexes (``?name__startswith=``):
    they can never match and must not become an oracle."""

    def lookup_allowed(self, lookup, value, request=None):
        try:
            field = self.model._meta.get_field(lookup.split(LOOKUP_SEP)[0])
        except FieldDoesNotExist:
            field = None
        if isinstance(field, (EncryptedTextField, BlindIndexField)):
            return False
        return super().lookup_allowed(lookup, value, request)


class RolePermissionsMixin:
    """Admin permissions from the role, not from Django model permissions (the role groups carry none):
    ``may_view`` opens the pages, ``may_write`` adds, changes and deletes."""

    may_view = staticmethod(can_view_admin)
    may_write = staticmethod(is_operator)

    def has_module_permission(self, request):
        return self.may_view(request.user)

    def has_view_permission(self, request, obj=None):
        return self.may_view(request.user)

    def has_add_permission(self, request):
        return self.may_write(request.user)

    def has_change_permission(self, request, obj=None):
        return self.may_write(request.user)

    def has_delete_permission(self, request, obj=None):
        return self.may_write(request.user)


class ScopedModelAdmin(RolePermissionsMixin, NotFoundOutOfScopeMixin, PersonalDataLookupGuardMixin, admin.ModelAdmin):
    """Reference data in the admin. ``selector`` (a ``staticmethod`` taking ``user=``) gives what the user may
    see; supervisors and regulators view it, superusers also add, change and delete. Permissions come from
    the role, not from Django model permissions (the role groups carry none). Writes are audited as
    ``<audit_name>.create|update|delete``, like the API."""

    selector = None
    audit_name = ""

    # -- what the user sees ----------------------------------------------------------------------------
    def get_queryset(self, request):
        queryset = type(self).selector(user=request.user)
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset

    # -- audited writes ---------------------------------------------------------------------------------
    def audit_organization(self, obj):
        """The company an entry about ``obj`` belongs to, so the company's supervisors see it."""
        return getattr(obj, "organization", None)

    def audit(self, request, obj, verb: str, **data):
        organization = self.audit_organization(obj)
        audit_record(actor=request.user, action=f"{self.audit_name}.{verb}", target=obj, request=request,
                     organization=organization, province=getattr(organization, "province", "") or "",
                     data={"via": "admin", **data})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.audit(request, obj, "update" if change else "create")

    def delete_model(self, request, obj):
        self.audit(request, obj, "delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.audit(request, obj, "delete")
            super().delete_queryset(request, queryset)


class SuperuserOnlyAdminMixin(RolePermissionsMixin):
    """For admins only operators may open at all (accounts)."""

    may_view = staticmethod(is_operator)


class ReadOnlyAdminMixin:
    """Evidence (the audit log): nobody adds, changes or deletes it through the admin, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
