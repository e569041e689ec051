"""Writing and integrating the transparency log.

Writers call ``log_leaves_add`` inside their own transaction: a plain INSERT of pending leaves, no lock, so
audited writes never queue behind each other. ``log_integrate`` (one instance at a time) gives the committed
pending leaves contiguous indices, extends the tiles, and signs a checkpoint.
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from apps.common.locks import xact_try_lock
from apps.common.outbox import outbox_put
from greenshield import merkle, note

from .keys import log_origin, log_signer
from .models import LogCheckpoint, LogLeaf, LogTile, PendingLeaf

log = logging.getLogger(__name__)
LINK, AUDIT = "link", "audit"
MERGE_DELAY_TOPIC = "log.merge_delay_exceeded"


def leaf_data(kind: str, record_hash: str) -> str:
    """The leaf's data: the kind of record and its stored hash (``link:<hex>`` or ``audit:<hex>``)."""
    return f"{kind}:{record_hash}"


def leaf_hash_of(data: str) -> bytes:
    return merkle.leaf_hash(data.encode())


def log_leaves_add(kind: str, records: list[tuple[str, datetime.datetime]]) -> None:
    """Queue leaves for the records just written — ``(hash, the record's partition key)`` each — in the caller's
    transaction (no lock, no read)."""
    if not records:
        return
    now = timezone.now()
    PendingLeaf.objects.bulk_create([PendingLeaf(data=leaf_data(kind, h), queued_at=now, record_at=at)
                                     for h, at in records])


PENDING_TABLE = PendingLeaf._meta.db_table


# -- reading the tree -------------------------------------------------------------------------------------------

def _read_tile(level: int, index: int) -> bytes:
    tile = (LogTile.objects.filter(level=level, index=index).order_by("-width").values_list("hashes", flat=True)
            .first())
    return bytes(tile) if tile is not None else b""


def _read_tiles(keys) -> dict[tuple[int, int], bytes]:
    """The widest stored version of each tile in ``keys``, in one query."""
    keys = sorted(keys)
    if not keys:
        return {}
    query = models.Q()
    for level, index in keys:
        query |= models.Q(level=level, index=index)
    tiles: dict[tuple[int, int], bytes] = {}
    for level, index, hashes in LogTile.objects.filter(query).order_by("width").values_list("level", "index", "hashes"):
        tiles[(level, index)] = bytes(hashes)
    return tiles


def with_tree(size: int, compute):
    """``compute(tree)`` on the tree of ``size`` leaves, reading every tile it needs in one query: a first pass
    over placeholder tiles finds which ones (a proof's tiles depend only on its sizes and index)."""
    needed: set[tuple[int, int]] = set()
    placeholder = b"\0" * (merkle.TILE_WIDTH * merkle.HASH_SIZE)

    def record(level: int, index: int) -> bytes:
        needed.add((level, index))
        return placeholder

    compute(merkle.TiledTree(size, record))
    tiles = _read_tiles(needed)
    return compute(merkle.TiledTree(size, lambda level, index: tiles.get((level, index), b"")))


def checkpoint_latest() -> LogCheckpoint | None:
    return LogCheckpoint.objects.order_by("-id").first()


def log_tree(size: int | None = None) -> merkle.TiledTree:
    """The tree as stored, at ``size`` (default: the latest checkpoint's)."""
    if size is None:
        latest = checkpoint_latest()
        size = latest.size if latest else 0
    return merkle.TiledTree(size, _read_tile)


@dataclass(frozen=True)
class Inclusion:
    index: int
    size: int
    leaf_hash: bytes
    hashes: list[bytes]
    checkpoint: LogCheckpoint


def leaves_of(data: str, *, size: int, record_at: datetime.datetime | None = None):
    """The leaf ``data`` within the tree of ``size``. Given its record's partition key, only that month's leaves
    are read; without it, one hash-index probe per monthly partition."""
    leaves = LogLeaf.objects.filter(data=data, index__lt=size)
    return leaves if record_at is None else leaves.filter(record_at=record_at)


def inclusion_for(data: str, *, record_at: datetime.datetime | None = None) -> Inclusion | None:
    """Where the leaf ``data`` sits in the latest checkpoint, with its proof; None while it is not integrated
    into a signed checkpoint, and once retention dropped its month. ``record_at``: its record's partition key, if
    known (then one partition is read)."""
    latest = checkpoint_latest()
    if latest is None:
        return None
    index = leaves_of(data, size=latest.size, record_at=record_at).values_list("index", flat=True).first()
    if index is None:
        return None
    proof = with_tree(latest.size, lambda tree: tree.inclusion_proof(index))
    return Inclusion(index, latest.size, leaf_hash_of(data), proof, latest)


def tree_size() -> int:
    latest = checkpoint_latest()
    return latest.size if latest else 0


# -- integrating ------------------------------------------------------------------------------------------------

@dataclass
class Integration:
    integrated: int
    size: int
    root: bytes
    checkpoint: LogCheckpoint | None
    max_delay: float  # seconds the longest-waiting leaf of this run waited
    busy: bool = False


def _take_pending(size: int, batch_size: int, now: datetime.datetime) -> tuple[list[bytes], datetime.datetime | None]:
    """Move up to ``batch_size`` committed pending leaves into the log at indices size, size+1, … (one statement
    on PostgreSQL, which also hashes them), each keeping its record's partition key. Returns their leaf
    hashes in index order and when the oldest of them was queued."""
    if connection.vendor == "postgresql":
        pending, leaves = PENDING_TABLE, LogLeaf._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT max(id), min(queued_at) FROM (SELECT id, queued_at FROM "{pending}" '  # noqa: S608
                           "ORDER BY id LIMIT %s) AS batch", [batch_size])
            last_id, oldest = cursor.fetchone()
            if last_id is None:
                return [], None
            # A range, not a list of ids: a row still uncommitted below last_id is invisible here and simply
            # waits for the next batch. Any order will do as long as the indices are contiguous: no sort. The
            # leaf hashes come back concatenated per tile, a few hundred rows rather than one per leaf.
            cursor.execute(
                f'WITH moved AS (DELETE FROM "{pending}" WHERE id <= %s RETURNING data, record_at), '  # noqa: S608
                f'stored AS (INSERT INTO "{leaves}" (index, data, record_at) '
                "SELECT %s + row_number() OVER () - 1, data, record_at FROM moved RETURNING index, data) "
                f"SELECT index >> {merkle.TILE_HEIGHT}, string_agg(sha256('\\x00'::bytea || convert_to(data, 'UTF8')), ''::bytea "
                "ORDER BY index) FROM stored GROUP BY 1 ORDER BY 1", [last_id, size])
            chunks = [bytes(hashes) for _, hashes in cursor.fetchall()]
        joined = b"".join(chunks)
        step = merkle.HASH_SIZE
        return [joined[i:i + step] for i in range(0, len(joined), step)], oldest
    batch = list(PendingLeaf.objects.order_by("id")[:batch_size])
    LogLeaf.objects.bulk_create([LogLeaf(index=size + i, data=p.data, record_at=p.record_at)
                                 for i, p in enumerate(batch)])
    PendingLeaf.objects.filter(id__in=[p.id for p in batch]).delete()
    return [leaf_hash_of(p.data) for p in batch], min((p.queued_at for p in batch), default=None)


def _edge(size: int) -> dict[int, bytes]:
    """The right-edge (partial) tiles of a tree of ``size`` leaves, level → entries."""
    edge = {}
    level = 0
    while size >> (merkle.TILE_HEIGHT * level):
        index = size >> (merkle.TILE_HEIGHT * (level + 1))
        width = merkle.tile_width(level, index, size)
        if width:
            edge[level] = _read_tile(level, index)[:width * merkle.HASH_SIZE]
        level += 1
    return edge


def _edge_after(size: int, edge: dict[int, bytes], changed: dict[tuple[int, int], bytes]) -> dict[int, bytes]:
    """The right edge once the tree has grown to ``size``: a level's partial tile is the one just written, or
    the one it already had."""
    after = {}
    level = 0
    while size >> (merkle.TILE_HEIGHT * level):
        index = size >> (merkle.TILE_HEIGHT * (level + 1))
        if merkle.tile_width(level, index, size):
            after[level] = changed.get((level, index)) or edge[level]
        level += 1
    return after


def _store_tiles(tiles: dict[tuple[int, int], bytes]) -> None:
    LogTile.objects.bulk_create([
        LogTile(level=level, index=index, width=len(data) // merkle.HASH_SIZE, hashes=data)
        for (level, index), data in sorted(tiles.items())], ignore_conflicts=True)


def log_integrate(*, batch_size: int | None = None, max_leaves: int | None = None, progress=None) -> Integration:
    """Integrate pending leaves and sign a checkpoint of the result (also of an empty log, once). One instance
    at a time: a second caller returns at once with ``busy``."""
    batch_size = batch_size or settings.GREENSHIELD_LOG_BATCH_SIZE
    with transaction.atomic():
        if not xact_try_lock("log", "integrator"):
            return Integration(0, 0, b"", None, 0.0, busy=True)
        latest = checkpoint_latest()
        size = latest.size if latest else 0
        root = bytes.fromhex(latest.root_hash) if latest else merkle.EMPTY_ROOT
        edge = _edge(size)
        now = timezone.now()
        integrated, oldest = 0, None
        partial: dict[tuple[int, int], bytes] = {}
        while max_leaves is None or integrated < max_leaves:
            take = batch_size if max_leaves is None else min(batch_size, max_leaves - integrated)
            hashes, first_queued = _take_pending(size, take, now)
            if not hashes:
                break
            rows = hashes
            changed, root = merkle.tiles_append(size, edge, hashes)
            size += len(rows)
            integrated += len(rows)
            _store_tiles({key: data for key, data in changed.items()
                          if len(data) == merkle.TILE_WIDTH * merkle.HASH_SIZE})
            partial = {**{k: v for k, v in partial.items() if k not in changed}, **changed}
            edge = _edge_after(size, edge, changed)
            oldest = first_queued if oldest is None else min(oldest, first_queued)
            if progress:
                progress(len(rows))
            if len(rows) < take:
                break
        _store_tiles({key: data for key, data in partial.items()
                      if len(data) < merkle.TILE_WIDTH * merkle.HASH_SIZE})
        checkpoint = latest
        if latest is None or integrated:
            checkpoint = _checkpoint_sign(size, root)
        max_delay = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        _merge_delay_check(max_delay, now)
    return Integration(integrated, size, root, checkpoint, max_delay)


def _checkpoint_sign(size: int, root: bytes) -> LogCheckpoint:
    body = note.Checkpoint(log_origin(), size, root)
    return LogCheckpoint.objects.create(size=size, root_hash=root.hex(), signed_at=timezone.now(),
                                        note=note.checkpoint_sign(body, log_signer()))


def _merge_delay_check(max_delay: float, now: datetime.datetime) -> None:
    """Leaves that waited longer than the maximum merge delay — integrated late now, or still waiting — raise
    an alert (through the outbox: the alerting lives above this app)."""
    limit = settings.GREENSHIELD_LOG_MAX_MERGE_DELAY_SECONDS
    waiting = PendingLeaf.objects.order_by("id").values_list("queued_at", flat=True).first()
    backlog = (now - waiting).total_seconds() if waiting else 0.0
    worst = max(max_delay, backlog)
    if worst > limit:
        log.error("transparency log: a leaf waited %.1f s for integration (maximum merge delay %.1f s)", worst, limit)
        outbox_put(MERGE_DELAY_TOPIC, {"delay_seconds": round(worst, 1), "limit_seconds": limit,
                                       "at": now.isoformat(), "pending": waiting is not None})


# -- the checkpoint history ---------------------------------------------------------------------------------------

def checkpoints_of_day(day: datetime.date):
    """Every checkpoint signed on ``day`` (China calendar day), oldest first."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
    return LogCheckpoint.objects.filter(signed_at__gte=start, signed_at__lt=start + datetime.timedelta(days=1)
                                        ).order_by("id")


# -- verifying the log itself --------------------------------------------------------------------------------------

def saved_checkpoint_open(text: str) -> note.Checkpoint:
    """A checkpoint someone saved earlier, checked against this log's key. Raises ``note.NoteError``."""
    return note.checkpoint_open(text, log_signer().verifier)


def log_verify(*, saved: note.Checkpoint | None = None, removed: int = 0, batch_size: int = 50_000,
               progress=None) -> list[str]:
    """What is wrong with the log as stored: a checkpoint whose signature fails, leaves that are not contiguous
    or do not hash to the signed roots, tiles that disagree with the leaves, and — given a checkpoint saved
    earlier — a current tree that does not extend it (consistency proof from the tiles). Empty: all is well.

    ``removed`` is how many leaves retention dropped (whole months, recorded as destruction records, which this
    layer does not read): up to that many missing leaves are no problem. Past a gap the re-hashing goes on from the
    tiles, so the stored leaves are still checked against their tiles and every later signed root, and a signed
    size inside a gap is checked against the tiles alone."""
    problems: list[str] = []
    verifier = log_signer().verifier
    checkpoints = list(LogCheckpoint.objects.order_by("id").values_list("id", "size", "root_hash", "note"))
    signed: dict[int, str] = {}
    last_size = -1
    for checkpoint_id, size, root_hash, text in checkpoints:
        try:
            body = note.checkpoint_open(text, verifier)
        except note.NoteError as exc:
            problems.append(f"checkpoint {checkpoint_id} (size {size}): {exc}")
            continue
        if (body.size, body.root.hex()) != (size, root_hash):
            problems.append(f"checkpoint {checkpoint_id}: its row does not say what its signed note says")
        if size < last_size:
            problems.append(f"checkpoint {checkpoint_id}: the tree shrank from {last_size} to {size}")
        last_size = max(last_size, size)
        if signed.setdefault(size, root_hash) != root_hash:
            problems.append(f"two checkpoints of size {size} with different roots (a fork)")
    latest_size = checkpoints[-1][1] if checkpoints else 0
    if saved is not None:
        if saved.size > latest_size:
            problems.append(f"the saved checkpoint (size {saved.size}) is beyond the log's latest ({latest_size}): "
                            "the log lost leaves")
        signed.setdefault(saved.size, saved.root.hex())
        if signed[saved.size] != saved.root.hex():
            problems.append(f"the log signed another root for size {saved.size} than the saved checkpoint")
    wanted = {size: root for size, root in signed.items() if size <= latest_size}
    if saved is not None and saved.size <= latest_size:
        wanted[saved.size] = saved.root.hex()
    problems += _leaves_against_roots(wanted, latest_size, batch_size, progress, removed)
    if saved is not None and 0 < saved.size <= latest_size and checkpoints:
        latest_root = bytes.fromhex(checkpoints[-1][2])
        try:
            proof = with_tree(latest_size, lambda tree: tree.consistency_proof(saved.size))
            merkle.verify_consistency(saved.size, latest_size, saved.root, latest_root, proof)
        except merkle.ProofError as exc:
            problems.append(f"the current tree (size {latest_size}) does not extend the saved checkpoint "
                            f"(size {saved.size}): {exc}")
    return problems


def _resume_after_gap(size: int, latest: int) -> tuple[merkle.CompactRange, bytes]:
    """The compact range at ``size`` and the leaf hashes of its level-0 tile so far, both from the tiles (the
    leaves before ``size`` are gone)."""
    def compute(tree):
        first = size & ~(merkle.TILE_WIDTH - 1)
        return (merkle.CompactRange.of_nodes(size, tree.node),
                b"".join(tree.node(0, i) for i in range(first, size)))

    return with_tree(latest, compute)


def _leaves_against_roots(wanted: dict[int, str], size: int, batch_size: int, progress,
                          removed: int = 0) -> list[str]:
    """Re-hash the stored leaves in index order: contiguous from 0, the root at every signed size as signed,
    and each full tile of leaf hashes as stored. Leaves dropped by retention (up to ``removed``) leave gaps: past
    one the re-hashing goes on from the tiles, and a signed size inside one is checked against the tiles."""
    problems: list[str] = []
    tree = merkle.CompactRange()
    if 0 in wanted and wanted[0] != merkle.EMPTY_ROOT.hex():
        problems.append("the checkpoint of the empty log has a root other than the empty tree's")
    tile_hashes = bytearray()
    gaps: list[tuple[int, int]] = []
    last = -1

    def skip_to(index: int) -> None:
        nonlocal tree, tile_hashes
        gaps.append((tree.size, index))
        try:
            # Consecutive signed sizes share their tiles: one reader per level-0 tile they end in.
            tiled, tile_of = None, None
            for signed_size in sorted(s for s in wanted if tree.size < s <= index):
                if tile_of != (signed_size - 1) >> merkle.TILE_HEIGHT:
                    tiled, tile_of = merkle.TiledTree(size, _read_tile), (signed_size - 1) >> merkle.TILE_HEIGHT
                if tiled.root_at(signed_size).hex() != wanted[signed_size]:
                    problems.append(f"the tiles do not hash to the root signed for size {signed_size}")
            tree, prefix = _resume_after_gap(index, size)
        except merkle.ProofError as exc:
            problems.append(f"leaves {tree.size}…{index - 1} are gone and the tiles cannot stand in for them: {exc}")
            return
        tile_hashes = bytearray(prefix)

    while last + 1 < size:
        rows = list(LogLeaf.objects.filter(index__gt=last, index__lt=size).order_by("index")
                    .values_list("index", "data")[:batch_size])
        if not rows:
            break
        full_tiles = {index: bytes(hashes) for index, hashes in LogTile.objects.filter(
            level=0, width=merkle.TILE_WIDTH, index__gte=rows[0][0] >> merkle.TILE_HEIGHT,
            index__lte=rows[-1][0] >> merkle.TILE_HEIGHT).values_list("index", "hashes")}
        for index, data in rows:
            if index != tree.size:
                skip_to(index)
                if tree.size != index:
                    return problems
            leaf = merkle.leaf_hash(data.encode())
            tree.append(leaf)
            tile_hashes += leaf
            if len(tile_hashes) == merkle.TILE_WIDTH * merkle.HASH_SIZE:
                tile_index = (tree.size - 1) >> merkle.TILE_HEIGHT
                if full_tiles.get(tile_index) != tile_hashes:
                    problems.append(f"tile 0/{tile_index} does not hold the hashes of its leaves")
                tile_hashes = bytearray()
            expected = wanted.get(tree.size)
            if expected is not None and tree.root().hex() != expected:
                problems.append(f"the leaves do not hash to the root signed for size {tree.size}")
        last = rows[-1][0]
        if progress:
            progress(len(rows))
    if tree.size < size:
        skip_to(size)
    missing = sum(end - start for start, end in gaps)
    if missing > removed:
        problems += [f"leaves {start}…{end - 1} are missing from the log" for start, end in gaps]
        problems.append(f"the log holds {size - missing} of the {size} leaves its latest checkpoint signed, and "
                        f"retention recorded dropping {removed}")
    return problems
