"""Clean-room verifier (and builder) for Rocket Pool rewards trees; no Django imports.

Typical use::

    from diversity.rewardstree import verify_rewards_file
    report = verify_rewards_file("rp-rewards-mainnet-20.json", expected_roots={"member": root})
    report.passed, report.computed_root, report.checks

Building a tree for simulated rewards: `build_tree_for_nodes`, `complete_rewards_file`,
`dumps_rewards_file`. See spec/rewards-tree.md for the format and the Merkle rules.
"""

from .checks import CheckResult
from .errors import DecodeError, ReadError, RewardsFileError
from .merkle import (
    MerkleTree,
    build_tree,
    compute_root,
    leaf_data,
    leaf_hash,
    process_proof,
    verify_claim,
    verify_proof,
)
from .model import NetworkRewards, NodeReward, RewardsFile, RewardSubmission
from .reader import Limits, load_json, read_bytes
from .schema import ParsedFile, parse_rewards
from .verify import VerificationReport, verify_parsed, verify_rewards_bytes, verify_rewards_file
from .writer import BuiltTree, build_tree_for_nodes, complete_rewards_file, dumps_rewards_file

__all__ = [
    "BuiltTree",
    "CheckResult",
    "DecodeError",
    "Limits",
    "MerkleTree",
    "NetworkRewards",
    "NodeReward",
    "ParsedFile",
    "ReadError",
    "RewardSubmission",
    "RewardsFile",
    "RewardsFileError",
    "VerificationReport",
    "build_tree",
    "build_tree_for_nodes",
    "complete_rewards_file",
    "compute_root",
    "dumps_rewards_file",
    "leaf_data",
    "leaf_hash",
    "load_json",
    "parse_rewards",
    "process_proof",
    "read_bytes",
    "verify_claim",
    "verify_parsed",
    "verify_proof",
    "verify_rewards_bytes",
    "verify_rewards_file",
]
