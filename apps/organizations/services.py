"""Writes on reference data — companies, facilities, staff, vehicles (and devices' own fields): the save and its
audit entry (``<model>.create|update|delete``) in one transaction, from the API and the admin alike."""
from __future__ import annotations

from django.db import transaction

from apps.audit.services import audit_record

from .models import Organization


def _audit(*, actor, instance, verb: str, via: str, request=None) -> None:
    organization = instance if isinstance(instance, Organization) else getattr(instance, "organization", None)
    audit_record(actor=actor, action=f"{instance._meta.model_name}.{verb}", target=instance, request=request,
                 organization=organization, province=getattr(organization, "province", "") or "",
                 data={"via": via})


@transaction.atomic
def reference_save(*, actor, instance, created: bool, via: str, request=None):
    """Save a reference-data object an operator created or changed, and audit it."""
    instance.save()
    _audit(actor=actor, instance=instance, verb="create" if created else "update", via=via, request=request)
    return instance


@transaction.atomic
def reference_delete(*, actor, instance, via: str, request=None) -> None:
    """Delete a reference-data object (refused with ``ProtectedError`` while records still point to it)."""
    _audit(actor=actor, instance=instance, verb="delete", via=via, request=request)
    instance.delete()
