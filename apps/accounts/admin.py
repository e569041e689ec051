"""Admin for accounts (operators only) and scanner devices (scoped; keys issued by an action, shown once)."""
from __future__ import annotations

import knox.admin  # noqa: F401  (registers AuthToken; imported so the unregister below applies)
import rest_framework_api_key.admin  # noqa: F401  (registers APIKey; imported so the unregister below always applies)
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db import router, transaction
from django.db.models import OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from knox.models import AuthToken
from rest_framework_api_key.models import APIKey

from apps.common.admin import NotFoundOutOfScopeMixin, ScopedModelAdmin, SuperuserOnlyAdminMixin, is_operator
from apps.organizations.models import ensure_facility_of
from apps.organizations.services import reference_delete, reference_save
from greenshield.enums import ROLE_LABELS, Role
from greenshield.errors import ValidationFailed

from . import selectors
from .models import Device, DeviceAPIKey, User
from .services import account_save, account_scope_errors, device_create, device_key_rotate

# Device keys are managed from the device (one action, key shown once); the library's own key model is unused.
# No admin page lists or mints API tokens: a token is a person's credential, issued only to that person at sign-in
# (an operator minting one could act under a regulator's name). Roles are set on the account page; the role groups
# carry no permissions, so there is nothing to edit on a group.
for model in (APIKey, AuthToken, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


# -- accounts ------------------------------------------------------------------------------------------------

def add_facility_error(form, facility, organization, *, attr: str = "facility") -> None:
    """The rule ``ensure_facility_of`` as a form error on the right field."""
    try:
        ensure_facility_of(facility, organization, attr=attr)
    except ValidationFailed as exc:
        form.add_error(exc.attr, exc.detail)


ROLE_CHOICES = [("", "No role (operator account)")] + [(role.value, ROLE_LABELS[role]) for role in Role]


def role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Role", choices=ROLE_CHOICES, required=False,
        help_text="Each account has one role. Its scope: outlet staff and screeners need a facility and the staff "
                  "member of it they are, supervisors a company, regulators a province; the regional regulator "
                  "sees the whole Delta.")


def clean_role_and_scope(form, cleaned: dict) -> dict:
    """The checks ``account_save`` makes (``account_scope_errors``), as form errors on the right fields."""
    for error in account_scope_errors(role=Role(cleaned["role"]) if cleaned.get("role") else None,
                                      organization=cleaned.get("organization"), facility=cleaned.get("facility"),
                                      province=cleaned.get("province") or "", staff=cleaned.get("staff")):
        form.add_error(error.attr, error.detail)
    return cleaned


class AccountCreationForm(AdminUserCreationForm):
    role = role_field()

    class Meta(AdminUserCreationForm.Meta):
        model = User

    def clean(self):
        return clean_role_and_scope(self, super().clean())


class AccountChangeForm(UserChangeForm):
    role = role_field()

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "role" in self.fields:
            role = self.instance.role
            self.fields["role"].initial = role.value if role else ""

    def clean(self):
        return clean_role_and_scope(self, super().clean())


class RoleListFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role.value, role.value) for role in Role]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__name=self.value())
        return queryset


SCOPE_FIELDS = ("role", "organization", "facility", "province", "staff")
SCOPE_DESCRIPTION = ("Admin access follows the role: supervisors and regulators may view this admin, "
                     "superusers may also change it. Outlet staff and screeners use the API only.")


@admin.register(User)
class UserAdmin(SuperuserOnlyAdminMixin, NotFoundOutOfScopeMixin, DjangoUserAdmin):
    """Accounts, for operators. The role (a group) and its scope are saved through ``account_save`` so the
    admin and ``create_account`` give the same result (including who may sign in to the admin)."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ("username", "role_name", "organization", "facility", "province", "is_active", "is_superuser")
    list_filter = (RoleListFilter, "is_active", "is_superuser", "province")
    list_select_related = ("organization", "facility")
    autocomplete_fields = ("organization", "facility", "staff")
    readonly_fields = ("is_staff", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Role and scope", {"fields": SCOPE_FIELDS, "description": SCOPE_DESCRIPTION}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_superuser", "is_staff")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("Role and scope", {"fields": SCOPE_FIELDS, "description": SCOPE_DESCRIPTION}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role_name(self, obj):
        names = {group.name for group in obj.groups.all()}
        return next((role.value for role in Role if role.value in names), "—")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        role = Role(form.cleaned_data["role"]) if form.cleaned_data.get("role") else None
        account_save(username=user.username, role=role, organization=user.organization, facility=user.facility,
                     province=user.province, staff=user.staff, superuser=user.is_superuser, actor=request.user,
                     via="admin", request=request)


# -- scanner devices -----------------------------------------------------------------------------------------

class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = ["serial", "organization", "facility", "description", "is_active"]
        labels = {"serial": "Serial number", "organization": "Company", "is_active": "Active"}
        help_texts = {
            "serial": "The serial number printed on the scanner.",
            "facility": "Where the scanner is installed; it must belong to the company.",
            "is_active": "An inactive scanner's key is refused, so it can post nothing.",
        }

    def clean(self):
        cleaned = super().clean()
        add_facility_error(self, cleaned.get("facility"), cleaned.get("organization"))
        return cleaned


KEY_NOTICE = ("New API key for scanner {serial}: {key} — enter it in the scanner now. It is shown only this once "
              "and cannot be recovered; if it is lost, issue a new one.")


@admin.register(Device)
class DeviceAdmin(ScopedModelAdmin):
    """Scanners. A new scanner gets its API key on creation; "Issue a new API key" revokes the current one.
    Either way the key is shown on the response page only and never stored in a cookie or the session."""

    selector = staticmethod(selectors.device_list)
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)
    form = DeviceForm
    list_display = ("serial", "organization", "facility", "active", "current_key_issued")
    list_filter = ("is_active", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("serial",)
    autocomplete_fields = ("organization", "facility")
    readonly_fields = ("current_key_issued", "created_at")
    actions = ["issue_api_key"]

    def get_queryset(self, request):
        latest_key = (DeviceAPIKey.objects.filter(device=OuterRef("pk"), revoked=False)
                      .order_by("-created").values("created")[:1])
        return super().get_queryset(request).annotate(key_issued_at=Subquery(latest_key))

    @admin.display(description="active", boolean=True, ordering="is_active")
    def active(self, obj):
        return obj.is_active

    @admin.display(description="current API key issued", ordering="key_issued_at")
    def current_key_issued(self, obj):
        issued = getattr(obj, "key_issued_at", None)
        return issued if issued is not None else "no active key"

    def has_issue_key_permission(self, request):
        return is_operator(request.user)

    @admin.action(description="Issue a new API key (revokes the current one)", permissions=["issue_key"])
    def issue_api_key(self, request, queryset):
        issued = []
        with transaction.atomic(using=router.db_for_write(Device)):
            for device in queryset:
                issued.append((device, device_key_rotate(device=device, actor=request.user, via="admin",
                                                         request=request)))
                self.log_change(request, device, "Issued a new API key.")
        return self.issued_keys_response(request, issued)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        device, obj._issued_api_key = device_create(
            serial=obj.serial, organization=obj.organization, facility=obj.facility, description=obj.description,
            is_active=obj.is_active, actor=request.user, via="admin", request=request)
        obj.pk = device.pk

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(obj, "_issued_api_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        return self.issued_keys_response(request, [(obj, key)])

    def issued_keys_response(self, request, issued):
        """Render the keys as messages on this very response: read in the same request, they are never
        queued in the session or a cookie, and reloading does not show them again."""
        for device, key in issued:
            messages.warning(request, KEY_NOTICE.format(serial=device.serial, key=key))
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                             current_app=self.admin_site.name)
        messages.info(request, format_html('<a href="{}">Back to scanner devices</a>', changelist))
        context = {**self.admin_site.each_context(request), "title": "New API key issued", "opts": self.opts}
        return TemplateResponse(request, "admin/base_site.html", context)
