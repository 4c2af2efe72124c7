"""Build rewards trees from in-memory node rewards, and write files in the published JSON format.

This is the producing side the devnet simulator needs: give it the per-node rewards of a simulated
interval, get back the root and every node's proof, or a complete RewardsFile whose totals,
root and proofs are consistent, serialised exactly like treegen's JSON (amounts as decimal
strings, nodes keyed by lower-case address). The verifier accepts everything this module writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .formats import NULL_AMOUNT
from .merkle import MerkleTree, build_tree, leaf_hashes
from .model import NetworkRewards, NodeReward, RewardsFile


@dataclass
class BuiltTree:
    """Root plus each node's proof (0x-hex siblings, leaf to root), keyed by lower-case address."""

    root: bytes
    proofs: dict[str, list[str]]
    tree: MerkleTree


def build_tree_for_nodes(nodes: Sequence[NodeReward], with_voter_share: bool) -> BuiltTree:
    """Root and proofs for these node rewards (file version >= 4 => with_voter_share=True)."""
    leaves = leaf_hashes(nodes, with_voter_share)
    tree = build_tree(leaves)
    position = tree.index()
    proofs = {
        node.address.lower(): ["0x" + h.hex() for h in tree.proof_at(position[leaf])]
        for node, leaf in zip(nodes, leaves, strict=True)
    }
    return BuiltTree(tree.root, proofs, tree)


def complete_rewards_file(rf: RewardsFile) -> RewardsFile:
    """Fill in networkRewards, the node-derived totals, the root and every proof (in place).

    Kept as given: protocolDaoRpl and poolStakerSmoothingPoolEth (and, in v4,
    smoothingPoolVoterShareEth / totalPdaoShareEth / totalNodeWeight), which are not sums over
    nodes. totalSmoothingPoolEth defaults to the sum of its shares.
    """
    networks: dict[int, NetworkRewards] = {}
    voter_total = 0
    for n in rf.nodes:
        n.address = n.address.lower()
        net = networks.setdefault(n.reward_network, NetworkRewards())
        net.collateral_rpl += n.collateral_rpl
        net.oracle_dao_rpl += n.oracle_dao_rpl
        net.smoothing_pool_eth += n.smoothing_pool_eth
        if rf.has_voter_share:
            net.smoothing_pool_eth += n.voter_share_eth
            voter_total += n.voter_share_eth
    rf.network_rewards = dict(sorted(networks.items()))
    tr = rf.total_rewards
    tr["totalCollateralRpl"] = sum(n.collateral_rpl for n in networks.values())
    tr["totalOracleDaoRpl"] = sum(n.oracle_dao_rpl for n in networks.values())
    node_eth = sum(n.smoothing_pool_eth for n in networks.values()) - voter_total
    tr["nodeOperatorSmoothingPoolEth"] = node_eth
    tr.setdefault("protocolDaoRpl", 0)
    tr.setdefault("poolStakerSmoothingPoolEth", 0)
    shares = ["poolStakerSmoothingPoolEth", "nodeOperatorSmoothingPoolEth"]
    if rf.has_voter_share:
        tr["totalVoterShareEth"] = voter_total
        for name in ("totalNodeWeight", "smoothingPoolVoterShareEth", "totalPdaoShareEth"):
            tr.setdefault(name, 0)
        shares += ["smoothingPoolVoterShareEth", "totalPdaoShareEth"]
    tr.setdefault("totalSmoothingPoolEth", sum(tr[name] for name in shares))
    built = build_tree_for_nodes(rf.nodes, rf.has_voter_share)
    rf.merkle_root = built.root
    for n in rf.nodes:
        n.merkle_proof = built.proofs[n.address]
    return rf


NETWORK_FIRST_FROM_RULESET = 10  # older generators wrote "index" before "network"
_TOTALS_ORDER = (
    "totalProtocolDaoEth",
    "protocolDaoRpl",
    "totalCollateralRpl",
    "totalOracleDaoRpl",
    "totalSmoothingPoolEth",
    "poolStakerSmoothingPoolEth",
    "nodeOperatorSmoothingPoolEth",
    "totalNodeWeight",
    "totalVoterShareEth",
    "smoothingPoolVoterShareEth",
    "totalPdaoShareEth",
)


def to_json_dict(rf: RewardsFile) -> dict:
    """The published layout: header, totalRewards, networkRewards, nodeRewards sorted by address."""
    out: dict = {"rewardsFileVersion": rf.version}
    if rf.ruleset_version is not None:
        out["rulesetVersion"] = rf.ruleset_version
    if (rf.ruleset_version or 0) >= NETWORK_FIRST_FROM_RULESET:
        out |= {"network": rf.network, "index": rf.index}
    else:
        out |= {"index": rf.index, "network": rf.network}
    out["startTime"] = rf.start_time
    out["endTime"] = rf.end_time
    for key, value in (
        ("consensusStartBlock", rf.consensus_start_block),
        ("consensusEndBlock", rf.consensus_end_block),
        ("executionStartBlock", rf.execution_start_block),
        ("executionEndBlock", rf.execution_end_block),
    ):
        if value is not None:
            out[key] = value
    out["intervalsPassed"] = rf.intervals_passed
    out["merkleRoot"] = "0x" + rf.merkle_root.hex()
    out |= rf.extra
    ordered = [k for k in _TOTALS_ORDER if k in rf.total_rewards]
    ordered += sorted(set(rf.total_rewards) - set(ordered))
    out["totalRewards"] = {k: _amount_json(rf.total_rewards[k]) for k in ordered}
    out["networkRewards"] = {
        str(net): {
            "collateralRpl": str(v.collateral_rpl),
            "oracleDaoRpl": str(v.oracle_dao_rpl),
            "smoothingPoolEth": str(v.smoothing_pool_eth),
        }
        for net, v in sorted(rf.network_rewards.items())
    }
    out["nodeRewards"] = {
        n.address: _node_json(n, rf.has_voter_share)
        for n in sorted(rf.nodes, key=lambda n: n.address)
    }
    return out


def _amount_json(value: int | None) -> str:
    """Decimal wei, or the "null" string smartnode writes for an unset amount."""
    return NULL_AMOUNT if value is None else str(value)


def _node_json(node: NodeReward, with_voter_share: bool) -> dict:
    entry = {
        "rewardNetwork": node.reward_network,
        "collateralRpl": str(node.collateral_rpl),
        "oracleDaoRpl": str(node.oracle_dao_rpl),
        "smoothingPoolEth": str(node.smoothing_pool_eth),
    }
    if with_voter_share:
        entry["voterShareEth"] = str(node.voter_share_eth)
    entry |= node.extra
    entry["merkleProof"] = list(node.merkle_proof)
    return entry


def dumps_rewards_file(rf: RewardsFile, indent: int | None = 2) -> bytes:
    """UTF-8 JSON bytes of the file, indented by two spaces like the published files."""
    return json.dumps(to_json_dict(rf), indent=indent).encode() + b"\n"
