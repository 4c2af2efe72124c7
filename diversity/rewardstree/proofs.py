"""The node-proofs check: every node's merkleProof folds its leaf to the file's merkleRoot.

When the rebuilt tree has the file's root, a proof that equals the tree's own path verifies by
construction, so the common case is a comparison of text: the published hashes of a few dozen
nodes joined into one string against the same nodes' expected paths gathered by numpy, instead
of ~30,000 comparisons in Python. Any proof that differs (and every proof when the roots
differ) is decoded and folded for real, as the distributor does on-chain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain

import numpy as np

from .checks import CheckResult
from .columns import NodeColumns
from .keccak import keccak256_many
from .merkle import MerkleTree
from .model import RewardsFile
from .values import hash32, summarise

SEPARATOR = ","  # never in a hash's text
CHUNK_TEXT = 64 * 1024  # bytes of proof text compared at a time
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
    return all_verified(len(leaves))


def all_verified(count: int) -> CheckResult:
    return CheckResult("node-proofs", True, f"all {count} proofs verify against the root")


def _proofs_not_matching_tree(proofs: Sequence, tree: MerkleTree, leaves: list[bytes]) -> list[int]:
    """Indexes of the nodes whose published proof is not exactly the rebuilt tree's path."""
    if tree.depth == 0:
        return [i for i, proof in enumerate(proofs) if len(proof) != 0]
    rows, siblings = sibling_rows(tree, leaves, b"0x", SEPARATOR.encode())
    step = max(1, CHUNK_TEXT // (rows.itemsize * tree.depth))
    texts = _expected_texts(rows, siblings, step)
    if set(map(len, proofs)) == {tree.depth}:
        starts = range(0, len(leaves), step)
        if all(
            _published_text(proofs[i : i + step]) == text
            for i, text in zip(starts, texts, strict=True)
        ):
            return []
        texts = _expected_texts(rows, siblings, step)
    hashes = chain.from_iterable(text.split(SEPARATOR) for text in texts)
    paths = zip(*[hashes] * tree.depth, strict=True)
    return [
        i for i, (proof, path) in enumerate(zip(proofs, paths, strict=True)) if tuple(proof) != path
    ]


def _published_text(proofs: Sequence[list]) -> str | None:
    """These nodes' published proof hashes, in order, joined by SEPARATOR; None if one is no string.

    Equal to the expected text only if each hash is: that text has exactly one separator between
    consecutive hashes and none inside one, and when both sides hold as many hashes, the
    published text can only have as many separators if none sits inside a hash.
    """
    try:
        return SEPARATOR.join(chain.from_iterable(proofs))
    except TypeError:
        return None


def sibling_rows(
    tree: MerkleTree, leaves: list[bytes], before: bytes, after: bytes
) -> tuple[np.ndarray, np.ndarray]:
    """Each hash that can be a sibling written once, as one fixed-width row of text (`before`,
    64 hex digits, `after`), and each leaf's path, leaf to root, as row numbers (row i: leaf i)."""
    # Only the real hashes of a level and the first padding hash after them can be siblings.
    levels = [level[: ((tree.leaf_count - 1) >> d) + 2] for d, level in enumerate(tree.levels[:-1])]
    candidates = b"".join(chain.from_iterable(levels))
    width = len(before) + 64 + len(after)
    text = np.empty((len(candidates) // 32, width), dtype=np.uint8)
    text[:, : len(before)] = np.frombuffer(before, dtype=np.uint8)
    digits = np.frombuffer(candidates.hex().encode(), np.uint8).reshape(-1, 64)
    text[:, len(before) : len(before) + 64] = digits
    text[:, len(before) + 64 :] = np.frombuffer(after, dtype=np.uint8)
    offsets = np.cumsum([0] + [len(level) for level in levels[:-1]])
    position = tree.index()
    where = np.fromiter(map(position.__getitem__, leaves), dtype=np.int64, count=len(leaves))
    shifts = np.arange(tree.depth, dtype=np.int64)
    siblings = ((where[:, None] >> shifts[None, :]) ^ 1) + offsets[None, :]
    return text.view(np.dtype((np.void, width))).ravel(), siblings


def _expected_texts(rows: np.ndarray, siblings: np.ndarray, step: int) -> Iterator[str]:
    """The expected proofs of `step` leaves at a time, as the text `_published_text` makes.

    A few dozen kilobytes at a time, gathered into one reused buffer: texts of the whole file
    (2 MB on mainnet) would each be fresh memory, and its page faults cost more than the gather.
    """
    buffer = np.empty((min(step, len(siblings)), siblings.shape[1]), dtype=rows.dtype)
    for start in range(0, len(siblings), step):
        part = siblings[start : start + step]
        gathered = np.take(rows, part, out=buffer[: len(part)])
        yield str(memoryview(gathered.view(np.uint8).ravel())[:-1], "ascii")


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
