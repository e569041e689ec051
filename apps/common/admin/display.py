"""Small display helpers the admins share: choice filters with human labels, the exact waybill search, links,
dates and yes/no, and filters that offer only what the user may see."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode


def fieldset_names(fieldsets) -> list[str]:
    """Every field name in ``fieldsets``, flattened (rows given as tuples included)."""
    names = []
    for _, options in fieldsets or ():
        for entry in options.get("fields", ()):
            names.extend(entry if isinstance(entry, tuple | list) else [entry])
    return names


class LabelledChoicesFilter(admin.ChoicesFieldListFilter):
    """A choices filter that shows the enum's labels (the stored values stay in the URL: ``?kind__exact=…``)."""

    enum = None

    def choices(self, changelist):
        for choice in super().choices(changelist):
            try:
                display = type(self).enum(choice["display"]).label
            except (TypeError, ValueError):
                display = choice["display"]
            yield {**choice, "display": display}


def labelled_choices_filter(enum) -> type[LabelledChoicesFilter]:
    return type(f"{enum.__name__}Filter", (LabelledChoicesFilter,), {"enum": enum})


class WaybillSearchMixin:
    """The search box finds one waybill exactly (spaces and case ignored), through the column's index.
    Nothing else is searchable: personal data is encrypted."""

    search_fields = ("waybill_no",)
    search_help_text = "Waybill no., exactly (e.g. ZTO0000000001)."
    waybill_lookup = "waybill_no"

    def get_search_results(self, request, queryset, search_term):
        term = "".join(search_term.split()).upper()
        if not term:
            return queryset, False
        return queryset.filter(**{self.waybill_lookup: term}), False


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """Offers only the objects the user may see (companies, outlets in scope), instead of scanning the rows
    for the values in use. ``choices_for(user)`` gives them."""

    @staticmethod
    def choices_for(user):
        raise NotImplementedError

    def field_choices(self, field, request, model_admin):
        return [(obj.pk, str(obj)) for obj in type(self).choices_for(request.user)]


def admin_link(obj, label: str | None = None):
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else str(obj))


def changelist_link(model, label: str, **filters):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


def related_or_none(obj, attribute: str):
    try:
        return getattr(obj, attribute)
    except ObjectDoesNotExist:
        return None


def when(value):
    """A date and time as the admin shows them in lists (local time, localized), for display methods."""
    return display_for_value(value, "—")


def yes_no(value) -> str:
    return "—" if value is None else ("yes" if value else "no")
