"""A system check that no admin page can render an encrypted field (its attribute decrypts to plain text)."""
from __future__ import annotations

from django.contrib import admin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist

from .admin.display import fieldset_names
from .fields import EncryptedTextField


def _shown_names(model_admin) -> set[str]:
    names = set(model_admin.list_display) | set(getattr(model_admin, "readonly_fields", ()) or ())
    names |= set(fieldset_names(getattr(model_admin, "fieldsets", None)))
    names |= set(getattr(model_admin, "fields", None) or ())
    names |= set(getattr(model_admin, "search_fields", ()) or ())
    return {n.lstrip("^=@") for n in names if isinstance(n, str)}


@checks.register(checks.Tags.admin, checks.Tags.security)
def no_encrypted_field_in_admin(app_configs, **kwargs):
    errors = []
    for model, model_admin in admin.site._registry.items():
        for name in _shown_names(model_admin):
            try:
                field = model._meta.get_field(name.split("__")[0])
            except FieldDoesNotExist:
                continue
            if isinstance(field, EncryptedTextField):
                errors.append(checks.Error(
                    f"{type(model_admin).__name__} would show encrypted field {name!r} of {model._meta.label} in "
                    "plain text (a display method with the same name does not win over the model field).",
                    hint="Show a masked property under another name.", obj=type(model_admin), id="greenshield.E001"))
    return errors
