"""The log's Merkle tree against the published transparency-dev test vectors (tree hashes, inclusion and
consistency probes) and against an independent implementation written here from the RFC 9162 §2.1 definitions
(recursive, over the whole list of leaves, sharing no code with ``greenshield.merkle``)."""
from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest

from greenshield import merkle

VECTORS = json.loads((Path(__file__).parent / "vectors" / "transparency_dev_merkle.json").read_text())

# transparency-dev/merkle testonly/constants.go (Apache-2.0): LeafInputs and RootHashes by tree size.
LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# --- an independent implementation: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 word for word ------------------------

def ref_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:])).digest()


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return ref_path(m, data[:k]) + [ref_mth(data[k:])]
    return ref_path(m - k, data[k:]) + [ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], whole: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if whole else [ref_mth(data)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, data[:k], whole) + [ref_mth(data[k:])]
    return ref_subproof(m - k, data[k:], False) + [ref_mth(data[:k])]


def ref_proof(m: int, data: list[bytes]) -> list[bytes]:
    return ref_subproof(m, data, True)


def b64(value: str) -> bytes:
    return base64.b64decode(value) if value else b""


def in_memory_tiles(leaf_hashes: list[bytes], batch_sizes):
    """Build the tiles by appending ``leaf_hashes`` in batches, as the integrator does."""
    store: dict[tuple[int, int], bytes] = {}
    size, roots = 0, {}
    position = 0
    for batch in batch_sizes:
        chunk = leaf_hashes[position:position + batch]
        position += len(chunk)
        edge = {level: store[(level, size >> (merkle.TILE_HEIGHT * (level + 1)))]
                for level in range(8) if (level, size >> (merkle.TILE_HEIGHT * (level + 1))) in store}
        changed, root = merkle.tiles_append(size, edge, chunk)
        store.update(changed)
        size += len(chunk)
        roots[size] = root
    return store, size, roots


# --- published vectors ---------------------------------------------------------------------------------------

def test_root_hashes_of_the_published_leaves():
    leaves = [bytes.fromhex(x) for x in LEAF_INPUTS]
    for size, root in enumerate(ROOTS):
        assert merkle.root_of(merkle.leaf_hash(d) for d in leaves[:size]).hex() == root
        assert ref_mth(leaves[:size]).hex() == root


@pytest.mark.parametrize("name", sorted(VECTORS["inclusion"]))
def test_inclusion_probes(name):
    probe = VECTORS["inclusion"][name]
    args = (probe["leafIdx"], probe["treeSize"], b64(probe["leafHash"]), [b64(p) for p in probe["proof"] or []],
            b64(probe["root"]))
    if probe["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("name", sorted(VECTORS["consistency"]))
def test_consistency_probes(name):
    probe = VECTORS["consistency"][name]
    args = (probe["size1"], probe["size2"], b64(probe["root1"]), b64(probe["root2"]),
            [b64(p) for p in probe["proof"] or []])
    if probe["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def test_the_vectors_are_all_there():
    assert sum(not p["wantErr"] for p in VECTORS["inclusion"].values()) >= 5
    assert sum(p["wantErr"] for p in VECTORS["consistency"].values()) >= 60


def test_proofs_of_the_published_tree_match_the_published_ones():
    """proof/verify_test.go: inclusion of leaf 0 in 8 and consistency 1→8, 6→8, 2→5 as published."""
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in LEAF_INPUTS]
    store, size, _ = in_memory_tiles(leaves, [8])
    tree = merkle.TiledTree(size, lambda level, index: store[(level, index)])
    assert [h.hex() for h in tree.consistency_proof(1)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
    assert [h.hex() for h in tree.consistency_proof(6)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]
    assert [h.hex() for h in tree.consistency_proof(2, 5)] == [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]
    assert [h.hex() for h in tree.inclusion_proof(1, 5)] == [  # published 1-based as leaf 2
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]


# --- against the independent implementation, across tile boundaries ------------------------------------------

@pytest.fixture(scope="module")
def big_tree():
    rng = random.Random(13)
    data = [f"link:{rng.getrandbits(256):064x}".encode() for _ in range(70_000)]
    leaves = [merkle.leaf_hash(d) for d in data]
    batches = [1, 255, 1, 300, 65_000] + [4443]
    store, size, roots = in_memory_tiles(leaves, batches)
    assert size == len(data)
    return data, leaves, store, roots


def test_tiles_give_the_same_root_as_the_definition(big_tree):
    data, leaves, store, roots = big_tree
    for size, root in roots.items():
        assert root == merkle.root_of(leaves[:size])
    assert roots[257] == ref_mth(data[:257])
    tree = merkle.TiledTree(len(data), lambda level, index: store[(level, index)])
    assert tree.root() == roots[len(data)]
    # every full tile has 256 entries; a tree of 70,000 leaves reaches level 2 (one partial entry of 65,536)
    assert (2, 0) in store and len(store[(2, 0)]) == 32
    assert all(len(v) == 8192 for (level, index), v in store.items() if level == 0 and index < 273)


def test_proofs_from_tiles_match_the_definition_and_verify(big_tree):
    data, leaves, store, roots = big_tree
    tree = merkle.TiledTree(len(data), lambda level, index: store[(level, index)])
    rng = random.Random(7)
    small = data[:600]
    for size in (1, 2, 3, 255, 256, 257, 511, 512, 513, 600):
        for index in {0, size - 1, size // 2, rng.randrange(size)}:
            proof = tree.inclusion_proof(index, size)
            assert proof == ref_path(index, small[:size])
            merkle.verify_inclusion(index, size, leaves[index], proof, ref_mth(small[:size]))
        for old in {1, size // 3 or 1, size - 1 or 1, size}:
            proof = tree.consistency_proof(old, size)
            assert proof == ref_proof(old, small[:size])
            merkle.verify_consistency(old, size, ref_mth(small[:old]), ref_mth(small[:size]), proof)
    for old in (1, 256, 257, 65_536, 65_537, 66_000):
        proof = tree.consistency_proof(old)
        merkle.verify_consistency(old, len(data), roots.get(old) or merkle.root_of(leaves[:old]), roots[len(data)],
                                  proof)
    index = 69_999
    merkle.verify_inclusion(index, len(data), leaves[index], tree.inclusion_proof(index), roots[len(data)])


def test_a_wrong_leaf_or_root_fails(big_tree):
    data, leaves, store, roots = big_tree
    tree = merkle.TiledTree(len(data), lambda level, index: store[(level, index)])
    proof = tree.inclusion_proof(1234)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(1234, len(data), leaves[1235], proof, roots[len(data)])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(257, len(data), roots[257], roots[len(data)], tree.consistency_proof(258))
    with pytest.raises(merkle.ProofError):
        tree.inclusion_proof(len(data))
    with pytest.raises(merkle.ProofError):
        tree.consistency_proof(5, len(data) + 1)


def test_tile_paths_follow_tlog_tiles():
    assert merkle.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert merkle.tile_path(1, 5, 7) == "tile/1/005.p/7"
    assert merkle.tile_path(0, 0) == "tile/0/000"
    assert merkle.tile_width(0, 1, 300) == 44 and merkle.tile_width(1, 0, 300) == 1 and merkle.tile_width(0, 2, 300) == 0
