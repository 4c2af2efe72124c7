"""The rewards Merkle tree, exactly as spec/rewards-tree.md describes it.

Leaf = keccak256(address(20) || uint256 network || uint256 (collateralRpl + oracleDaoRpl) ||
uint256 smoothingPoolEth [|| uint256 voterShareEth from file version 4]), i.e. Solidity
`abi.encodePacked`. Leaves are sorted as bytes, padded with zero hashes to a power of two, and
paired level by level with sorted-pair hashing (keccak256(min || max)), which is what
OpenZeppelin's MerkleProof folds, so a proof needs no left/right flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add

from .columns import ADDRESS_BYTES, NodeColumns
from .keccak import keccak256, keccak256_many, keccak_256
from .model import NodeReward

ZERO_HASH = bytes(32)


def packed_leaves(columns: NodeColumns) -> list[bytes]:
    """The packed bytes the distributor hashes, for every node, built a column at a time."""
    size, addresses = ADDRESS_BYTES * len(columns), columns.address_bytes
    amounts = [map(add, columns.collateral_rpl, columns.oracle_dao_rpl), columns.smoothing_pool_eth]
    if columns.voter_share_eth is not None:
        amounts.append(columns.voter_share_eth)
    network_words = {n: n.to_bytes(32, "big") for n in set(columns.networks)}  # a few at most
    ends = range(ADDRESS_BYTES, size + 1, ADDRESS_BYTES)
    parts = [
        map(addresses.__getitem__, map(slice, range(0, size, ADDRESS_BYTES), ends)),
        map(network_words.__getitem__, columns.networks),
    ]
    parts += [map(int.to_bytes, values, repeat(32), repeat("big")) for values in amounts]
    return list(map(b"".join, zip(*parts, strict=True)))


def leaf_data(node: NodeReward, with_voter_share: bool) -> bytes:
    """The packed bytes the distributor hashes for this claimer."""
    return packed_leaves(NodeColumns.from_nodes([node], with_voter_share))[0]


def leaf_hash(node: NodeReward, with_voter_share: bool) -> bytes:
    """keccak256 of `leaf_data`."""
    return keccak256(leaf_data(node, with_voter_share))


def leaf_hashes(nodes: Iterable[NodeReward], with_voter_share: bool) -> list[bytes]:
    """Leaf hashes in input order."""
    return keccak256_many(packed_leaves(NodeColumns.from_nodes(nodes, with_voter_share)))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """Sorted-pair hash: the order of the two children does not matter."""
    return keccak256(a + b if a <= b else b + a)


@dataclass
class MerkleTree:
    """All levels of a built tree: levels[0] are the sorted, padded leaves, levels[-1] = [root]."""

    levels: list[list[bytes]]
    leaf_count: int

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    def proof_at(self, position: int) -> list[bytes]:
        """Sibling hashes from leaf `position` (in the sorted order) up to the root."""
        proof = []
        for level in self.levels[:-1]:
            proof.append(level[position ^ 1])
            position >>= 1
        return proof

    def index(self) -> dict[bytes, int]:
        """Leaf hash -> position in the sorted leaves."""
        return {leaf: i for i, leaf in enumerate(self.levels[0][: self.leaf_count])}

    def proof(self, leaf: bytes) -> list[bytes]:
        """Proof for a leaf hash; ValueError if the leaf is not in the tree."""
        position = self.index().get(leaf)
        if position is None:
            raise ValueError("leaf is not in the tree")
        return self.proof_at(position)


def build_tree(leaves: Sequence[bytes]) -> MerkleTree:
    """Build the tree from leaf hashes (any order); ValueError for an empty list.

    Padding sits at the end of each level, so every pair made only of padding hashes to the
    same value: it is hashed once per level rather than once per pair.
    """
    if not leaves:
        raise ValueError("cannot build a Merkle tree with no leaves")
    size = 1 << (len(leaves) - 1).bit_length()
    real = sorted(leaves)
    level = real + [ZERO_HASH] * (size - len(real))
    levels, pad, width = [level], ZERO_HASH, len(real)
    while len(level) > 1:
        parents = [  # an odd last real hash pairs with the padding
            keccak_256(a + b if a <= b else b + a).digest()
            for a, b in zip(level[0 : width + 1 : 2], level[1 : width + 1 : 2], strict=False)
        ]
        pad = hash_pair(pad, pad)
        width = (width + 1) // 2
        level = parents + [pad] * (len(level) // 2 - len(parents))
        levels.append(level)
    return MerkleTree(levels, len(real))


def compute_root(nodes: Iterable[NodeReward], with_voter_share: bool) -> bytes:
    """Root of the tree over these node rewards."""
    return build_tree(leaf_hashes(nodes, with_voter_share)).root


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> bytes:
    """Fold a proof the way OpenZeppelin's MerkleProof.processProof does."""
    computed = leaf
    for sibling in proof:
        computed = hash_pair(computed, sibling)
    return computed


def verify_proof(leaf: bytes, proof: Iterable[bytes], root: bytes) -> bool:
    """True if the proof folds `leaf` to `root` (MerkleProof.verify)."""
    return process_proof(leaf, proof) == root


def verify_claim(node: NodeReward, proof: Iterable[bytes], root: bytes, with_voter_share: bool):
    """Check a claim as the on-chain distributor does: rebuild the leaf, then fold the proof."""
    return verify_proof(leaf_hash(node, with_voter_share), proof, root)
