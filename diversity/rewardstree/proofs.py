"""The node-proofs check: every node's merkleProof folds its leaf to the file's merkleRoot.

When the rebuilt tree has the file's root, a proof that equals the tree's own path verifies by
construction, so the common case is one comparison of two strings: every node's expected path,
written out as one text, against every published proof, joined likewise. That is one
comparison in C instead of ~30,000 in Python. Any proof that differs (and every proof when the
roots differ) is decoded and folded for real, as the distributor does on-chain.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from .checks import CheckResult
from .keccak import keccak256_many
from .merkle import MerkleTree
from .model import RewardsFile
from .values import hash32, summarise

MAX_PROOF_DEPTH = 64  # a longer proof would need over 2**64 leaves: refuse before hashing it
SEPARATOR = "|"  # between hashes in the joined proofs; no hex string contains it
HASH_TEXT = 66  # "0x" + 64 hex digits
_HEX_DIGIT_PAIRS = np.array([f"{i:02x}" for i in range(256)], dtype="S2").view(np.uint16)


def check_node_proofs(rf: RewardsFile, tree: MerkleTree | None, leaves: list[bytes]) -> CheckResult:
    """Each node's merkleProof folds its leaf to the file's merkleRoot."""
    root = rf.merkle_root or (tree.root if tree else b"")
    if not leaves:
        return CheckResult("node-proofs", False, "nothing verified: no node entries")
    pending = list(range(len(leaves)))
    if tree is not None and tree.root == root:
        pending = _proofs_not_matching_tree(rf, tree, leaves)
    folded = _fold_all(rf, leaves, pending, root)
    bad = [rf.nodes[i].address for i, ok in zip(pending, folded, strict=True) if not ok]
    if bad:
        return CheckResult(
            "node-proofs",
            False,
            f"{len(bad)} proofs do not verify against 0x{root.hex()}: " + summarise(bad),
        )
    return CheckResult("node-proofs", True, f"all {len(leaves)} proofs verify against the root")


def _proofs_not_matching_tree(rf: RewardsFile, tree: MerkleTree, leaves: list[bytes]) -> list[int]:
    """Indexes of the nodes whose published proof is not exactly the rebuilt tree's path."""
    depth = tree.depth
    proofs = [node.merkle_proof for node in rf.nodes]
    expected = _expected_text(tree, leaves)
    if set(map(len, proofs)) == {depth} and _joined(proofs) == expected:
        return []
    paths = expected.split(SEPARATOR) if expected else []
    return [i for i, proof in enumerate(proofs) if proof != paths[i * depth : (i + 1) * depth]]


def _joined(proofs: list[list]) -> str | None:
    """All proofs' hashes joined by SEPARATOR, or None if one is not a string.

    Equal to `_expected_text` only if hash k of the published proofs is expected hash k for
    every k: the expected hashes hold no separator, so a published one with a separator in it
    would add one to the count, and the caller has checked that the counts agree.
    """
    try:
        return SEPARATOR.join(chain.from_iterable(proofs))
    except TypeError:
        return None


def _expected_text(tree: MerkleTree, leaves: list[bytes]) -> str:
    """Each leaf's sibling path as published (0x-hex), leaf after leaf, joined by SEPARATOR.

    Built as one byte array with numpy (gather the siblings, look up two hex digits per byte)
    rather than as ~30,000 Python strings.
    """
    if tree.depth == 0:
        return ""
    # Only the real hashes of a level and the first padding hash after them can be siblings.
    levels = [level[: ((tree.leaf_count - 1) >> d) + 2] for d, level in enumerate(tree.levels[:-1])]
    hashes = np.frombuffer(b"".join(chain.from_iterable(levels)), dtype=np.uint8).reshape(-1, 32)
    offsets = np.cumsum([0] + [len(level) for level in levels[:-1]])
    position = tree.index()
    where = np.fromiter(map(position.__getitem__, leaves), dtype=np.int64, count=len(leaves))
    shifts = np.arange(tree.depth, dtype=np.int64)
    siblings = ((where[:, None] >> shifts) ^ 1) + offsets  # row i: leaf i's path, leaf to root
    picked = hashes[siblings.ravel()]
    text = np.empty((len(picked), HASH_TEXT + 1), dtype=np.uint8)
    text[:, 0], text[:, 1], text[:, HASH_TEXT] = ord("0"), ord("x"), ord(SEPARATOR)
    text[:, 2:HASH_TEXT] = _HEX_DIGIT_PAIRS[picked].view(np.uint8)
    return text.tobytes()[:-1].decode("ascii")


def _fold_all(rf: RewardsFile, leaves: list[bytes], indexes: list[int], root: bytes) -> list[bool]:
    """Fold many proofs at once, one keccak batch per depth."""
    raw = [rf.nodes[i].merkle_proof for i in indexes]
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
