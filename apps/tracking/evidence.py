"""The stored evidence against the transparency log: every chain link and audit entry has its leaf (integrated
or pending), every leaf its record, and every acceptance attempt — refused ones included — its audit entry.
Set-based: a handful of anti-joins whatever the size of the tables.

Retention drops whole months of links, audit entries and leaves (``apps.compliance.retention``), each recorded
by a destruction record saying "older than T". A leaf carries its record's partition key (``record_at``: a link's
parcel acceptance time, an audit entry's time), so both sides are exact: a record whose key is before the leaves'
T may have lost its leaf, and a leaf whose ``record_at`` is before its record class's T may have lost its record;
nothing else may. What the log says about the leaves retention removed is ``leaves_removed``."""
from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import CharField, Exists, F, Max, OuterRef, Sum, Value
from django.db.models.functions import Cast, Concat, Substr

from apps.audit.models import AuditEntry, DestructionRecord
from apps.common.partitions import PARTITIONED
from apps.compliance.retention import PARTITION_DROPPED
from apps.parcels.models import AcceptanceRecord, CheckpointEvent
from apps.transparency.models import LogLeaf, PendingLeaf
from apps.transparency.services import AUDIT, LINK

SHOWN = 50  # problems listed per kind; the count says how many more
LEAVES, LINKS, ENTRIES = (PARTITIONED[t].data_class for t in ("transparency_logleaf", "tracking_checkpointevent",
                                                              "audit_auditentry"))


def _drops(data_class: str):
    return DestructionRecord.objects.filter(data_class=data_class, method=PARTITION_DROPPED)


def dropped_before(data_class: str) -> datetime.datetime | None:
    """Every record of ``data_class`` older than this was dropped by retention (None: none ever was)."""
    return _drops(data_class).aggregate(cutoff=Max("older_than"))["cutoff"]


def leaves_removed() -> int:
    """How many leaves retention dropped, by its destruction records."""
    return _drops(LEAVES).aggregate(rows=Sum("records"))["rows"] or 0


def _leafless(queryset, kind: str, key_field: str):
    with_leaf = queryset.annotate(leaf=Concat(Value(f"{kind}:"), F("hash"), output_field=CharField()))
    cutoff = dropped_before(LEAVES)
    if cutoff is not None:  # its leaf has its key: in a month of leaves that retention dropped
        with_leaf = with_leaf.filter(**{f"{key_field}__gte": cutoff})
    return (with_leaf.exclude(Exists(LogLeaf.objects.filter(data=OuterRef("leaf"))))
            .exclude(Exists(PendingLeaf.objects.filter(data=OuterRef("leaf")))))


def _recordless(model, kind: str, data_class: str):
    prefix = f"{kind}:"
    leaves = LogLeaf.objects.filter(data__startswith=prefix).annotate(
        record_hash=Substr("data", len(prefix) + 1, output_field=CharField()))
    cutoff = dropped_before(data_class)
    if cutoff is not None:  # its record's key is the leaf's: in a month of records that retention dropped
        leaves = leaves.filter(record_at__gte=cutoff)
    return leaves.exclude(Exists(model.objects.filter(hash=OuterRef("record_hash")))).order_by("index")


def _listed(problems: list[str], rows, describe) -> None:
    rows = list(rows[:SHOWN + 1])
    problems += [describe(row) for row in rows[:SHOWN]]
    if len(rows) > SHOWN:
        problems.append("… and more of the same")


def evidence_against_log() -> list[str]:
    problems: list[str] = []
    _listed(problems, _recordless(CheckpointEvent, LINK, LINKS).values_list("index", "data"),
            lambda r: f"leaf {r[0]} ({r[1][:21]}…): the chain link it commits to is gone or was rewritten")
    _listed(problems, _recordless(AuditEntry, AUDIT, ENTRIES).values_list("index", "data"),
            lambda r: f"leaf {r[0]} ({r[1][:22]}…): the audit entry it commits to is gone or was rewritten")
    _listed(problems, _leafless(CheckpointEvent.objects.order_by("id"), LINK, "parcel_accepted_at")
            .values_list("parcel__waybill_no", "seq"),
            lambda r: f"parcel {r[0]} link {r[1]}: not in the log (written behind the application's back)")
    _listed(problems, _leafless(AuditEntry.objects.order_by("at"), AUDIT, "at").values_list("id", "action"),
            lambda r: f"audit entry {r[0]} ({r[1]}): not in the log (written behind the application's back)")
    problems += _attempts_against_audit()
    return problems


def _attempts_against_audit() -> list[str]:
    """Every acceptance attempt has the audit entry written with it, and every such entry its attempt: a refused
    attempt leaves no chain, so its audit entry (a leaf) is what proves it was recorded."""
    problems: list[str] = []
    recorded = AuditEntry.objects.filter(action="acceptance.record", target_type="parcels.acceptancerecord")
    if connection.vendor == "postgresql":
        attempts = AcceptanceRecord.objects.annotate(text_id=Cast("id", CharField()))
        _listed(problems, recorded.exclude(target_id__in=attempts.values("text_id"))
                .values_list("target_id", "target_repr"),
                lambda r: f"acceptance attempt {r[0]} ({r[1]}): audited, but its record is gone")
        _listed(problems, attempts.exclude(text_id__in=recorded.values("target_id")).values_list("id", "outcome"),
                lambda r: f"acceptance attempt {r[0]} ({r[1]}): stored without its audit entry")
        return problems
    stored = {str(i) for i in AcceptanceRecord.objects.values_list("id", flat=True)}
    audited = dict(recorded.values_list("target_id", "target_repr"))
    problems += [f"acceptance attempt {i} ({audited[i]}): audited, but its record is gone"
                 for i in sorted(set(audited) - stored)][:SHOWN]
    problems += [f"acceptance attempt {i}: stored without its audit entry" for i in sorted(stored - set(audited))][:SHOWN]
    return problems
