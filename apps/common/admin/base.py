"""Shared Django admin behaviour: the admin sees exactly what the API sees, and only operators change anything.

Every admin built on :class:`ScopedModelAdmin` takes its queryset from ``Model.objects.restrict(user)`` (NetBox's
``restrict()`` in the base view), answers 404 for anything outside it, lets supervisors and regulators look but
not touch, and hands the writes superusers make to the app's service (which audits them).
"""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import router, transaction
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404

from apps.common.fields import BlindIndexField, EncryptedTextField
from apps.common.permissions import user_may
from greenshield.capabilities import Capability

from .display import fieldset_names


def is_operator(user) -> bool:
    """A superuser: the installation's operator, who alone changes reference data."""
    return bool(user.is_active and user.is_staff and user.is_superuser)


def can_view_admin(user) -> bool:
    """Operators, and supervisors or regulators with admin access."""
    return bool(user.is_active and user.is_staff and user_may(user, Capability.VIEW_ADMIN))


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
    """An admin over what the user may see (``Model.objects.restrict``; ``selector`` when a page needs more,
    taking ``user=``). Supervisors and regulators view it; superusers also add, change and delete, through
    ``save_service`` / ``delete_service`` (``(actor, instance, created, via, request)``), which audit the write."""

    selector = None
    save_service = None
    delete_service = None

    def get_queryset(self, request):
        selector = type(self).selector
        queryset = selector(user=request.user) if selector else self.model.objects.restrict(request.user)
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset

    def save_model(self, request, obj, form, change):
        type(self).save_service(actor=request.user, instance=obj, created=not change, via="admin", request=request)

    def delete_model(self, request, obj):
        type(self).delete_service(actor=request.user, instance=obj, via="admin", request=request)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.delete_model(request, obj)


class SuperuserOnlyAdminMixin(RolePermissionsMixin):
    """For admins only operators may open at all (accounts)."""

    may_view = staticmethod(is_operator)


class ReadOnlyAdminMixin:
    """Evidence: nobody adds, changes or deletes it through the admin, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EvidenceAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Records that prove what happened: viewable in scope, never added, changed or deleted in the admin. Every
    field of the fieldsets is shown read-only."""

    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return fieldset_names(self.fieldsets) if self.fieldsets else super().get_readonly_fields(request, obj)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Rows shown under their parent for whoever may view the parent; nobody adds, changes or deletes them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return self.model.objects.restrict(request.user)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_view_permission(self, request, obj=None):
        return can_view_admin(request.user)
