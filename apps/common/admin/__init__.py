"""The admin toolkit every app's admin builds on: scoped, read-only-for-auditors base classes (``base``), the
palette (``palette``) and display helpers (``display``)."""
from .base import (
    EvidenceAdmin,
    NotFoundOutOfScopeMixin,
    PersonalDataLookupGuardMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    RolePermissionsMixin,
    ScopedModelAdmin,
    SuperuserOnlyAdminMixin,
    can_view_admin,
    is_operator,
)
from .display import (
    LabelledChoicesFilter,
    ScopedRelatedFilter,
    WaybillSearchMixin,
    admin_link,
    changelist_link,
    fieldset_names,
    labelled_choices_filter,
    related_or_none,
    when,
    yes_no,
)
from .palette import badge, enum_badge

__all__ = [
    "EvidenceAdmin", "LabelledChoicesFilter", "NotFoundOutOfScopeMixin", "PersonalDataLookupGuardMixin",
    "ReadOnlyAdminMixin", "ReadOnlyInline", "RolePermissionsMixin", "ScopedModelAdmin", "ScopedRelatedFilter",
    "SuperuserOnlyAdminMixin", "WaybillSearchMixin", "admin_link", "badge", "can_view_admin", "changelist_link",
    "enum_badge", "fieldset_names", "is_operator", "labelled_choices_filter", "related_or_none", "when", "yes_no",
]
