"""The stored evidence against the transparency log: every chain link and audit entry has its leaf (integrated
or pending), every leaf its record, and every acceptance attempt — refused ones included — its audit entry.
Set-based: a handful of anti-joins whatever the size of the tables."""
from __future__ import annotations

from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat, Substr

from apps.audit.models import AuditEntry
from apps.parcels.models import AcceptanceRecord, CheckpointEvent
from apps.transparency.models import LogLeaf, PendingLeaf
from apps.transparency.services import AUDIT, LINK

SHOWN = 50  # problems listed per kind; the count says how many more


def _leafless(queryset, kind: str):
    with_leaf = queryset.annotate(leaf=Concat(Value(f"{kind}:"), F("hash"), output_field=CharField()))
    return (with_leaf.exclude(Exists(LogLeaf.objects.filter(data=OuterRef("leaf"))))
            .exclude(Exists(PendingLeaf.objects.filter(data=OuterRef("leaf")))))


def _recordless(model, kind: str):
    prefix = f"{kind}:"
    leaves = LogLeaf.objects.filter(data__startswith=prefix).annotate(
        record_hash=Substr("data", len(prefix) + 1, output_field=CharField()))
    return leaves.exclude(Exists(model.objects.filter(hash=OuterRef("record_hash")))).order_by("index")


def _listed(problems: list[str], rows, describe) -> None:
    rows = list(rows[:SHOWN + 1])
    problems += [describe(row) for row in rows[:SHOWN]]
    if len(rows) > SHOWN:
        problems.append("… and more of the same")


def evidence_against_log() -> list[str]:
    problems: list[str] = []
    _listed(problems, _recordless(CheckpointEvent, LINK).values_list("index", "data"),
            lambda r: f"leaf {r[0]} ({r[1][:21]}…): the chain link it commits to is gone or was rewritten")
    _listed(problems, _recordless(AuditEntry, AUDIT).values_list("index", "data"),
            lambda r: f"leaf {r[0]} ({r[1][:22]}…): the audit entry it commits to is gone or was rewritten")
    _listed(problems, _leafless(CheckpointEvent.objects.order_by("id"), LINK).values_list("parcel__waybill_no", "seq"),
            lambda r: f"parcel {r[0]} link {r[1]}: not in the log (written behind the application's back)")
    _listed(problems, _leafless(AuditEntry.objects.order_by("at"), AUDIT).values_list("id", "action"),
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
