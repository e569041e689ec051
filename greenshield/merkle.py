"""The Merkle tree of the transparency log (RFC 9162 §2.1): hashing, tree heads, inclusion and consistency proofs
and their verification, and the tree stored as C2SP tlog-tiles.

Leaf hash ``SHA-256(0x00 ‖ data)``, interior node ``SHA-256(0x01 ‖ left ‖ right)``. The tree is stored as tiles
of height 8 (c2sp.org/tlog-tiles): the tile at level L, index N holds the hashes of up to 256 consecutive
subtrees of 256^L leaves; any perfect subtree's hash is computed from at most 128 entries of one tile, so a
proof costs a few tile reads whatever the size of the log.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof that does not prove what it claims, or a request no proof can answer."""


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where RFC 9162 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree over ``hashes`` (a power of two of them)."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class CompactRange:
    """The right edge of a growing tree — one perfect subtree per set bit of its size — so leaves can be appended
    and the root read in O(log n) memory (transparency-dev's compact range)."""

    def __init__(self):
        self.size = 0
        self._nodes: list[bytes] = []  # perfect subtrees, largest (leftmost) first

    def append(self, hash_: bytes) -> None:
        self.size += 1
        nodes = self._nodes
        nodes.append(hash_)
        size = self.size
        while not size & 1:
            right = nodes.pop()
            nodes[-1] = node_hash(nodes[-1], right)
            size >>= 1

    def extend(self, hashes: Iterable[bytes]) -> None:
        for h in hashes:
            self.append(h)

    @classmethod
    def of_nodes(cls, size: int, node: NodeReader) -> CompactRange:
        """The compact range of the first ``size`` leaves from a store of perfect subtrees (the tiles), without
        the leaves: for going on re-hashing after leaves that are no longer stored."""
        compact = cls()
        start = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                compact._nodes.append(node(level, start >> level))
                start += 1 << level
        compact.size = size
        return compact

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        root = self._nodes[-1]
        for node in reversed(self._nodes[:-1]):
            root = node_hash(node, root)
        return root


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    tree = CompactRange()
    tree.extend(leaf_hashes)
    return tree.root()


# -- proofs from any store of perfect subtrees (RFC 9162 §2.1.3.1 and §2.1.4.1) ------------------------------

NodeReader = Callable[[int, int], bytes]  # (level, index) → hash of leaves [index·2^level, (index+1)·2^level)


def _range_hash(lo: int, hi: int, node: NodeReader) -> bytes:
    """MTH(D[lo:hi]) for the ranges the proof recursions visit (``lo`` aligned to the range's split)."""
    n = hi - lo
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return node(level, lo >> level)
    k = _split(n)
    return node_hash(_range_hash(lo, lo + k, node), _range_hash(lo + k, hi, node))


def inclusion_proof(index: int, size: int, node: NodeReader) -> list[bytes]:
    """PATH(index, D[0:size]), leaf-to-root order."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            proof.append(_range_hash(lo + k, hi, node))
            hi = lo + k
        else:
            proof.append(_range_hash(lo, lo + k, node))
            lo = lo + k
    proof.reverse()
    return proof


def consistency_proof(old_size: int, new_size: int, node: NodeReader) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]): empty when the sizes are equal."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    proof: list[bytes] = []
    m, lo, hi, whole = old_size, 0, new_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(_range_hash(lo + k, hi, node))
            hi = lo + k
        else:
            proof.append(_range_hash(lo, lo + k, node))
            m, lo, whole = m - k, lo + k, False
    if not whole:
        proof.append(_range_hash(lo, hi, node))
    proof.reverse()
    return proof


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2. Raises ``ProofError`` unless ``proof`` shows ``leaf`` at ``index`` under ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError("a leaf hash is 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != HASH_SIZE or sn == 0:
            raise ProofError("the proof is too long or malformed")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is too short")
    if r != root:
        raise ProofError("the proof leads to another root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2. Raises ``ProofError`` unless the tree at ``new_root`` extends the one at ``old_root``."""
    if new_size < old_size:
        raise ProofError("the new tree is smaller than the old one")
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old_size == new_size:
        if proof:
            raise ProofError("equal sizes take an empty proof")
        if old_root != new_root:
            raise ProofError("equal sizes with different roots")
        return
    if not proof or any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("the proof is empty or malformed")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is too short")
    if fr != old_root:
        raise ProofError("the proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("the proof does not lead to the new root")


# -- C2SP tlog-tiles ------------------------------------------------------------------------------------------

def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The tile's path in the tlog-tiles layout: ``tile/<L>/<N>[.p/<W>]``, N in x-prefixed groups of three digits."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    path = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{path}{suffix}"


def tile_width(level: int, index: int, size: int) -> int:
    """How many entries the tile (level, index) holds in a tree of ``size`` leaves (0 when none yet)."""
    entries = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, entries - index * TILE_WIDTH))


TileReader = Callable[[int, int], bytes]  # (level, index) → the tile's entries, concatenated (at least as wide as needed)


class TiledTree:
    """A tree of ``size`` leaves read from tiles: serves the perfect subtrees the proofs need, reading each tile
    once."""

    def __init__(self, size: int, read_tile: TileReader):
        self.size = size
        self._read = read_tile
        self._tiles: dict[tuple[int, int], bytes] = {}

    def _tile(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._tiles:
            self._tiles[key] = self._read(level, index)
        return self._tiles[key]

    def node(self, level: int, index: int) -> bytes:
        if (index + 1) << level > self.size:
            raise ProofError(f"node {level}/{index} is not complete in a tree of size {self.size}")
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height  # first entry at the tile level
        tile = self._tile(tile_level, first >> TILE_HEIGHT)
        offset = first & (TILE_WIDTH - 1)
        count = 1 << height
        data = tile[offset * HASH_SIZE:(offset + count) * HASH_SIZE]
        if len(data) != count * HASH_SIZE:
            raise ProofError(f"tile {tile_level}/{first >> TILE_HEIGHT} is missing entries")
        return _perfect_root([data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])

    def root(self) -> bytes:
        if self.size == 0:
            return EMPTY_ROOT
        return _range_hash(0, self.size, self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else self._within(size), self.node)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self.size if new_size is None else self._within(new_size), self.node)

    def root_at(self, size: int) -> bytes:
        return EMPTY_ROOT if size == 0 else _range_hash(0, self._within(size), self.node)

    def _within(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise ProofError(f"size {size} is beyond the tree ({self.size})")
        return size


def tiles_append(size: int, edge: dict[int, bytes], leaf_hashes: Sequence[bytes]) -> tuple[dict[tuple[int, int], bytes], bytes]:
    """Append ``leaf_hashes`` to a tree of ``size`` leaves whose right-edge (partial) tiles are ``edge`` (level →
    entries; missing levels are empty). Returns every tile that changed ((level, index) → entries, full or
    partial) and the new root. The caller stores the tiles; full tiles never change again."""
    changed: dict[tuple[int, int], bytes] = {}
    level, incoming, entries_before = 0, list(leaf_hashes), size
    while incoming:
        offset = entries_before & (TILE_WIDTH - 1)
        old = edge.get(level, b"")[:offset * HASH_SIZE]
        entries = [old[i:i + HASH_SIZE] for i in range(0, len(old), HASH_SIZE)] + incoming
        index = entries_before >> TILE_HEIGHT
        completed = []
        for start in range(0, len(entries), TILE_WIDTH):
            chunk = entries[start:start + TILE_WIDTH]
            changed[(level, index)] = b"".join(chunk)
            if len(chunk) == TILE_WIDTH:
                completed.append(_perfect_root(chunk))
            index += 1
        entries_before >>= TILE_HEIGHT
        incoming = completed
        level += 1
    tiles = {**{(lv, (size >> (TILE_HEIGHT * (lv + 1)))): data for lv, data in edge.items()}, **changed}
    return changed, TiledTree(size + len(leaf_hashes), lambda lv, ix: tiles[(lv, ix)]).root()
