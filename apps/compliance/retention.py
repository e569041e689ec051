"""Retention of personal data [R19]: each data class is kept for its configured number of days, then
anonymised — ciphertext and blind indexes cleared — with a destruction record and an audit entry. Trace chains
hold no personal data, so they still verify afterwards. The apps that hold personal data register their data
classes (``register``, from their ``AppConfig.ready``); this module only runs them."""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.models import DestructionRecord
from apps.audit.services import audit_record
from apps.common.partitions import (
    PARTITIONED,
    Dropped,
    add_months,
    expired_months,
    is_postgresql,
    may_drop,
    month_drop,
    partitions_ensure,
)

log = logging.getLogger(__name__)

#: The destruction record's method for a month of evidence dropped whole (``partitions_drop_expired``).
PARTITION_DROPPED = "partition detached and dropped"


@dataclass(frozen=True)
class DataClass:
    name: str
    model: type
    age_field: str
    cleared: dict
    setting: str


DATA_CLASSES: list[DataClass] = []


def register(data_class: DataClass) -> None:
    if all(existing.name != data_class.name for existing in DATA_CLASSES):
        DATA_CLASSES.append(data_class)


def _pending(data_class: DataClass, cutoff: datetime.datetime):
    still_identifying = Q()
    for name in data_class.cleared:
        if not name.endswith("_index"):
            still_identifying |= Q(**{f"{name}__isnull": False})
    return data_class.model.objects.filter(still_identifying, **{f"{data_class.age_field}__lt": cutoff})


def retention_sweep(*, now: datetime.datetime | None = None, batch_size: int = 1000) -> dict[str, int]:
    """Anonymise every record past its class's retention; returns counts per class."""
    now = now or timezone.now()
    done = {}
    for data_class in DATA_CLASSES:
        days = settings.GREENSHIELD_RETENTION_DAYS[data_class.setting]
        cutoff = now - datetime.timedelta(days=days)
        total = 0
        while True:
            with transaction.atomic():
                ids = list(_pending(data_class, cutoff).order_by("pk").values_list("pk", flat=True)[:batch_size])
                if not ids:
                    break
                data_class.model.objects.filter(pk__in=ids).update(**data_class.cleared)
                total += len(ids)
        if total:
            with transaction.atomic():
                DestructionRecord.objects.create(at=now, data_class=data_class.name, records=total, older_than=cutoff,
                                                 retention_days=days)
                audit_record(actor=None, action="retention.anonymise", target_type=data_class.model._meta.label_lower,
                             target_repr=f"{total} record(s)",
                             data={"class": data_class.name, "records": total, "older_than": cutoff.isoformat(),
                                   "retention_days": days})
        done[data_class.name] = total
    return done


def partitions_drop_expired(*, now: datetime.datetime | None = None) -> list[Dropped]:
    """Retention of the evidence itself [R19]: each month of a partitioned table wholly past its retention is
    detached and dropped — one catalogue operation, not a delete per row — with a destruction record and an audit
    entry in the same transaction, so a drop is never unrecorded. The transparency log's signed checkpoints and
    its tiles are kept (they are not partitioned): an outsider's checkpoint still verifies against the later
    ones, and the record says which leaves went."""
    now = now or timezone.now()
    if not is_postgresql():
        return []
    dropped = []
    for spec in PARTITIONED.values():
        if spec.retention is None:
            continue
        days = settings.GREENSHIELD_RETENTION_DAYS[spec.retention]
        cutoff = now - datetime.timedelta(days=days)
        with connection.cursor() as cursor:
            months = expired_months(cursor, spec, cutoff)
            if months and not may_drop(cursor, spec.table):
                log.warning("%s: %d month(s) past retention; only the owner drops them: run `manage.py partitions "
                            "--drop-expired` as the owner", spec.table, len(months))
                continue
        for month in months:
            with transaction.atomic(), connection.cursor() as cursor:
                done = month_drop(cursor, spec, month)
                end = add_months(month, 1)
                DestructionRecord.objects.create(at=now, data_class=spec.data_class or spec.table, records=done.rows,
                                                 older_than=end, retention_days=days,
                                                 method=PARTITION_DROPPED)
                audit_record(actor=None, action="retention.drop_partition", target_type=spec.table,
                             target_id=done.partition, target_repr=f"{done.rows} row(s) of {month:%Y-%m}",
                             data={"table": spec.table, "partition": done.partition, "month": f"{month:%Y-%m}",
                                   "records": done.rows, "older_than": end.isoformat(), "retention_days": days})
            dropped.append(done)
    return dropped


def partitions_maintain(*, now: datetime.datetime | None = None) -> dict:
    """The daily beat: months created ahead, expired months dropped."""
    now = now or timezone.now()
    created = partitions_ensure(now=now)
    dropped = partitions_drop_expired(now=now)
    return {"created": created, "dropped": [d.partition for d in dropped]}
