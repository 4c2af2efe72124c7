"""The reference for a rewards round: the published rewards file, rebuilt and checked clean-room.

Where the file comes from is configuration (REWARDS_FILE_URL, a pattern with {network} and
{index}); on the devnet the simulator publishes the canonical file under var/rewards/devnet/.
"""

from django.conf import settings

from diversity.reference.balances import Check, Reference
from diversity.rewardstree.model import RewardSubmission
from diversity.rewardstree.verify import VerificationReport, verify_rewards_file


def rewards_file_location(network: str, index: int) -> str:
    pattern = settings.TOWERWATCH_REWARDS_FILE_URL
    if pattern:
        return pattern.format(network=network, index=index)
    return str(settings.VAR_DIR / "rewards" / network / f"rp-rewards-{network}-{index}.json")


def submission_from_values(values: dict) -> RewardSubmission:
    s = values["submission"]
    return RewardSubmission(
        rewardIndex=int(s["reward_index"]), executionBlock=int(s["execution_block"]),
        consensusBlock=int(s["consensus_block"]),
        merkleRoot=bytes.fromhex(s["merkle_root"][2:]),
        merkleTreeCID=s.get("merkle_tree_cid"), intervalsPassed=int(s["intervals_passed"]),
        treasuryRPL=int(s["treasury_rpl"]),
        trustedNodeRPL=[int(x) for x in s["trusted_node_rpl"]],
        nodeRPL=[int(x) for x in s["node_rpl"]], nodeETH=[int(x) for x in s["node_eth"]],
        userETH=int(s["user_eth"]),
    )  # fmt: skip


def rewards_reference(network: str, index: int, consensus_values: dict | None) -> Reference:
    """Verify the published file (and, if any, the consensus struct against it)."""
    location = rewards_file_location(network, index)
    submission = submission_from_values(consensus_values) if consensus_values else None
    report: VerificationReport = verify_rewards_file(location, submission=submission)
    checks = [Check(c.name, c.passed, c.message) for c in report.checks]
    root = "0x" + report.computed_root.hex() if report.computed_root else None
    return Reference({"merkle_root": root}, f"rewards file {location}", checks)
