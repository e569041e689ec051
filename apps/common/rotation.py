"""Key rotation: re-encrypt every encrypted field under the primary key and recompute blind indexes, in
resumable batches, safe while the service keeps writing.

Each row is rewritten with a compare-and-swap: ``UPDATE … WHERE pk = … AND field = <the ciphertext we read>``.
If a request changed the row in between, the swap does nothing — and the row needs nothing, because every
write already encrypts under the primary key. Interrupting is safe: a re-run only visits rows still holding a
ciphertext under another key.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.db.models import Q

from greenshield import crypto

from .fields import BlindIndexField, Ciphertext, EncryptedTextField


@dataclass
class EncryptedModel:
    model: type
    fields: list[EncryptedTextField]
    indexes: list[BlindIndexField]

    @property
    def label(self) -> str:
        return self.model._meta.label


def encrypted_models() -> list[EncryptedModel]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
            found.append(EncryptedModel(model, fields, indexes))
    return found


def stale_rows_q(entry: EncryptedModel, primary: str) -> Q:
    """Rows with at least one value under a key other than the primary, or in the old ``gs1`` format."""
    q = Q()
    for f in entry.fields:
        q |= Q(**{f"{f.name}__isnull": False}) & ~Q(**{f"{f.name}__current_under": primary})
    return q


@dataclass
class RotationReport:
    rotated: Counter = field(default_factory=Counter)
    skipped_concurrent: Counter = field(default_factory=Counter)


def rotate_model(entry: EncryptedModel, *, batch_size: int = 500, progress: Callable[[int], None] | None = None,
                 report: RotationReport | None = None) -> RotationReport:
    report = report or RotationReport()
    ring = crypto.current_keyring()
    primary = ring.primary_id
    model = entry.model
    last_pk = None
    while True:
        rows = model.objects.filter(stale_rows_q(entry, primary)).order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows[:batch_size])
        if not batch:
            return report
        with transaction.atomic():
            for row in batch:
                if _rotate_row(entry, row):
                    report.rotated[entry.label] += 1
                else:
                    report.skipped_concurrent[entry.label] += 1
        last_pk = batch[-1].pk
        if progress:
            progress(len(batch))


def _rotate_row(entry: EncryptedModel, row) -> bool:
    expected = {}
    changes = {}
    for f in entry.fields:
        stored = row.__dict__.get(f.attname)
        if stored is None:
            expected[f"{f.name}__isnull"] = True  # a value written meanwhile must not lose its index
            continue
        expected[f.name] = Ciphertext(stored)
        changes[f.attname] = f.encrypt_for(row, getattr(row, f.name))
    for index in entry.indexes:
        changes[index.attname] = index.compute(row)
    updated = type(row).objects.filter(pk=row.pk, **expected).update(**changes)
    return updated == 1


def count_rows_to_rotate() -> dict[str, int]:
    primary = crypto.current_keyring().primary_id
    return {e.label: e.model.objects.filter(stale_rows_q(e, primary)).count() for e in encrypted_models()}


@dataclass
class VerifyReport:
    by_key: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)
    values: int = 0
    #: (model.field, "gs1$k1") → values not yet in today's format under the primary key.
    not_current: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        """Every value decrypts and is under the primary key: the other keys can be retired."""
        return not self.failures and not self.not_current

    def not_current_by_field(self) -> dict[str, int]:
        totals: Counter = Counter()
        for (field_label, _), n in self.not_current.items():
            totals[field_label] += n
        return dict(sorted(totals.items()))


def verify_all(*, batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Decrypt every stored value; count values per key id, record every failure (row and field) and count,
    per model.field, the values still under another key or in the old format."""
    report = VerifyReport()
    ring = crypto.current_keyring()
    for entry in encrypted_models():
        for row in _iterate(entry.model, batch_size):
            for f in entry.fields:
                stored = row.__dict__.get(f.attname)
                if stored is None:
                    continue
                report.values += 1
                try:
                    report.by_key[crypto.ciphertext_key_id(stored)] += 1
                    if not crypto.is_current(ring, stored):
                        version = crypto.ciphertext_version(stored)
                        report.not_current[(f"{entry.label}.{f.name}",
                                            f"{version}${crypto.ciphertext_key_id(stored)}")] += 1
                    crypto.decrypt(ring, stored, purpose=f.purpose, row_id=str(row.pk))
                except crypto.CryptoError as exc:
                    report.failures.append((entry.label, str(row.pk), f.name, type(exc).__name__))
            if progress:
                progress(1)
    return report


def pk_batches(queryset, batch_size: int) -> Iterator[list]:
    """The rows of ``queryset`` in primary-key order, a batch (one query) at a time, whatever is written meanwhile."""
    last_pk = None
    while True:
        rows = queryset.order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows[:batch_size])
        if not batch:
            return
        yield batch
        last_pk = batch[-1].pk


def _iterate(model, batch_size: int) -> Iterator:
    for batch in pk_batches(model.objects.all(), batch_size):
        yield from batch
