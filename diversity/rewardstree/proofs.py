"""The node-proofs check: every node's merkleProof folds its leaf to the file's merkleRoot.

When the rebuilt tree has the file's root, a proof that equals the tree's own path verifies by
construction, so the common case is a comparison of strings: every node's expected path against
its published proof, tuple against tuple, in one C-level pass (`all(map(eq, ...))`) instead of
~30,000 comparisons in Python. Any proof that differs (and every proof when the
roots differ) is decoded and folded for real, as the distributor does on-chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from operator import eq

import numpy as np

from .checks import CheckResult
from .columns import NodeColumns
from .keccak import keccak256_many
from .merkle import MerkleTree
from .model import RewardsFile
from .values import hash32, summarise

MAX_PROOF_DEPTH = 64  # a longer proof would need over 2**64 leaves: refuse before hashing it


def check_node_proofs(
    rf: RewardsFile, columns: NodeColumns, tree: MerkleTree | None, leaves: list[bytes]
) -> CheckResult:
    """Each node's merkleProof folds its leaf to the file's merkleRoot."""
    root = rf.merkle_root or (tree.root if tree else b"")
    if not leaves:
        return CheckResult("node-proofs", False, "nothing verified: no node entries")
    pending = list(range(len(leaves)))
    if tree is not None and tree.root == root:
        pending = _proofs_not_matching_tree(columns.proofs, tree, leaves)
    folded = _fold_all(columns.proofs, leaves, pending, root)
    bad = [columns.addresses[i] for i, ok in zip(pending, folded, strict=True) if not ok]
    if bad:
        return CheckResult(
            "node-proofs",
            False,
            f"{len(bad)} proofs do not verify against 0x{root.hex()}: " + summarise(bad),
        )
    return CheckResult("node-proofs", True, f"all {len(leaves)} proofs verify against the root")


def _proofs_not_matching_tree(proofs: Sequence, tree: MerkleTree, leaves: list[bytes]) -> list[int]:
    """Indexes of the nodes whose published proof is not exactly the rebuilt tree's path."""
    same_depth = set(map(len, proofs)) == {tree.depth}
    if same_depth and all(map(eq, map(tuple, proofs), _expected_paths(tree, leaves))):
        return []
    paths = zip(proofs, _expected_paths(tree, leaves), strict=True)
    return [i for i, (proof, path) in enumerate(paths) if tuple(proof) != path]


def _expected_paths(tree: MerkleTree, leaves: list[bytes]) -> Iterable[tuple[str, ...]]:
    """Each leaf's sibling path as 0x-hex strings, leaf to root, one tuple per leaf in order.

    Each hash that can be a sibling is written out once; numpy gathers every leaf's siblings
    (an object array holds the strings, so no string is copied). The tuples come out of a lazy
    zip, so each is compared right after it is made, while the published strings it meets are
    in cache.
    """
    if tree.depth == 0:
        return [()] * len(leaves)
    # Only the real hashes of a level and the first padding hash after them can be siblings.
    levels = [level[: ((tree.leaf_count - 1) >> d) + 2] for d, level in enumerate(tree.levels[:-1])]
    hexes = np.array(["0x" + h.hex() for h in chain.from_iterable(levels)], dtype=object)
    offsets = np.cumsum([0] + [len(level) for level in levels[:-1]])
    position = tree.index()
    where = np.fromiter(map(position.__getitem__, leaves), dtype=np.int64, count=len(leaves))
    shifts = np.arange(tree.depth, dtype=np.int64)
    siblings = ((where[None, :] >> shifts[:, None]) ^ 1) + offsets[:, None]  # row d: level d
    return zip(*hexes[siblings].tolist(), strict=True)


def _fold_all(
    published: Sequence, leaves: list[bytes], indexes: list[int], root: bytes
) -> list[bool]:
    """Fold many proofs at once, one keccak batch per depth."""
    raw = [published[i] for i in indexes]
    proofs = [[hash32(s) for s in p] if len(p) <= MAX_PROOF_DEPTH else [] for p in raw]
    current = [leaves[i] for i in indexes]
    valid = [len(r) <= MAX_PROOF_DEPTH and None not in p for r, p in zip(raw, proofs, strict=True)]
    depth = max((len(p) for p in proofs), default=0)
    for d in range(depth):
        live = [k for k, p in enumerate(proofs) if valid[k] and d < len(p)]
        pairs = [(current[k], proofs[k][d]) for k in live]
        hashed = keccak256_many(a + b if a <= b else b + a for a, b in pairs)
        for k, h in zip(live, hashed, strict=True):
            current[k] = h
    return [ok and h == root for ok, h in zip(valid, current, strict=True)]
