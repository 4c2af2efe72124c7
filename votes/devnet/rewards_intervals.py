"""Rewards intervals on the real rewards pool: a well-formed rewards tree per interval, published
as a rewards file, and the submission each member's treegen makes from it.

The real pool checks a submission against what it could pay: RPL up to the pending inflation,
ETH up to the smoothing pool's balance. So each interval's amounts are drawn within the RPL the
pool has accrued, and the smoothing pool receives the ETH the tree distributes (on mainnet,
priority fees and MEV arrive there over the interval). The published file is the canonical
tree; a faulty treegen submits a root built from a tree with one amount off by one wei.
"""

import random
from dataclasses import replace
from datetime import UTC, datetime

from django.conf import settings

from diversity.rewardstree.model import NodeReward, RewardsFile, RewardSubmission
from diversity.rewardstree.writer import complete_rewards_file, dumps_rewards_file
from votes.devnet.duties import SimRound
from votes.devnet.protocol.system import ProtocolSystem
from votes.devnet.transactions import fund

NODE_OPERATORS = 40
ORACLE_DAO_NODES = 15
RPL_BUDGET_SHARE = 0.9  # of the pending RPL: leave room for inflation rounding


class RewardsIntervals:
    def __init__(self, rng: random.Random, system: ProtocolSystem, interval_seconds: int,
                 first_block: int):  # fmt: skip
        self.rng, self.system = rng, system
        self.interval_seconds = interval_seconds
        self.wrong_root_treegens: set[str] = set()
        self.previous_end_block = first_block
        self.operators = ["0x" + rng.randbytes(20).hex() for _ in range(NODE_OPERATORS)]
        self.interval_start = 0
        self.funded: list[tuple[int, int, int]] = []  # (reward index, block, user ETH)

    def start(self, start_time: int) -> None:
        self.interval_start = start_time

    def open(self, sim, index: int) -> SimRound:
        """The interval's last block, mined at its end time, and the tree over it."""
        end = self.interval_start + (index + 1) * self.interval_seconds
        block = sim.mine(sim.now()).number
        pool = self.system.contract("rocketRewardsPool").functions
        rewards_file = complete_rewards_file(RewardsFile(
            version=3, index=pool.getRewardIndex().call(), network="devnet", ruleset_version=10,
            start_time=_rfc3339(end - self.interval_seconds), end_time=_rfc3339(end),
            consensus_end_block=block, execution_end_block=block,
            consensus_start_block=self.previous_end_block + 1,
            execution_start_block=self.previous_end_block + 1,
            intervals_passed=1, nodes=self._node_rewards(pool.getPendingRPLRewards().call()),
            total_rewards={"protocolDaoRpl": 0,
                           "poolStakerSmoothingPoolEth": self.rng.randrange(10**20)},
        ))  # fmt: skip
        self._fund_smoothing_pool(sim, rewards_file)
        self._publish(rewards_file)
        self.previous_end_block = block
        faulty = self.wrong_root_treegens
        self.wrong_root_treegens = set()
        return SimRound("rewards", sim.now(), rewards_file.index,
                        {"file": rewards_file, "faulty_treegens": faulty})  # fmt: skip

    def _node_rewards(self, pending_rpl: int) -> list[NodeReward]:
        budget = int(pending_rpl * RPL_BUDGET_SHARE)
        weights = [(self.rng.random(), self.rng.random() if i < ORACLE_DAO_NODES else 0.0)
                   for i in range(NODE_OPERATORS)]  # fmt: skip
        total_weight = sum(a + b for a, b in weights) or 1.0
        return [
            NodeReward(
                address=address,
                reward_network=0,
                collateral_rpl=int(budget * collateral / total_weight),
                oracle_dao_rpl=int(budget * oracle / total_weight),
                smoothing_pool_eth=self.rng.randrange(10**18) if self.rng.random() < 0.6 else 0,
            )
            for address, (collateral, oracle) in zip(self.operators, weights, strict=True)
        ]

    def unpaid_user_eth(self, block: int) -> int:
        """The rETH holders' part of what the smoothing pool holds at `block`: the user ETH of
        every interval funded by then and not yet paid out (its snapshot not executed)."""
        pool = self.system.contract("rocketRewardsPool").functions
        next_index = pool.getRewardIndex().call(block_identifier=block)
        return sum(user_eth for index, funded, user_eth in self.funded
                   if funded <= block and index >= next_index)  # fmt: skip

    def _fund_smoothing_pool(self, sim, rewards_file: RewardsFile) -> None:
        totals = rewards_file.total_rewards
        needed = totals["nodeOperatorSmoothingPoolEth"] + totals["poolStakerSmoothingPoolEth"]
        self.funded.append((rewards_file.index, sim.w3.eth.block_number + 1,  # seen from then
                            totals["poolStakerSmoothingPoolEth"]))  # fmt: skip
        pool = self.system.address("rocketSmoothingPool")
        fund(sim.w3, pool, sim.w3.eth.get_balance(pool) + needed)

    def _publish(self, rewards_file: RewardsFile) -> None:
        folder = settings.VAR_DIR / "rewards" / "devnet"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"rp-rewards-devnet-{rewards_file.index}.json"
        path.write_bytes(dumps_rewards_file(rewards_file))

    def values_for(self, sim_round: SimRound, member, treegen) -> dict:
        rewards_file = sim_round.values["file"]
        faulty = treegen.name in sim_round.values["faulty_treegens"]
        faulty = faulty or self.rng.random() < treegen.fault_rate.get("wrong_root", 0.0)
        if faulty:
            rewards_file = off_by_one_wei(rewards_file)
        submission = RewardSubmission.from_rewards_file(rewards_file, treegen.merkle_tree_cid)
        return {
            "submission": houston_struct(submission),
            "submission_v14": saturn_struct(submission),
        }


def off_by_one_wei(rewards_file: RewardsFile) -> RewardsFile:
    """The same tree with the first node's smoothing-pool ETH one wei higher (a treegen bug)."""
    nodes = [replace(node) for node in rewards_file.nodes]
    nodes[0].smoothing_pool_eth += 1
    kept = ("protocolDaoRpl", "poolStakerSmoothingPoolEth")
    totals = {name: rewards_file.total_rewards[name] for name in kept}
    return complete_rewards_file(replace(rewards_file, nodes=nodes, total_rewards=totals))


def houston_struct(submission: RewardSubmission) -> tuple:
    """The struct in the order of the v1.1-v1.3 ABI tuple (with the Merkle tree CID)."""
    return (
        submission.rewardIndex, submission.executionBlock, submission.consensusBlock,
        submission.merkleRoot, submission.merkleTreeCID or "", submission.intervalsPassed,
        submission.treasuryRPL, submission.trustedNodeRPL, submission.nodeRPL,
        submission.nodeETH, submission.userETH,
    )  # fmt: skip


def saturn_struct(submission: RewardSubmission) -> tuple:
    """The v1.4 struct: no CID; the smoothing pool's whole payout and the treasury's ETH."""
    smoothing_pool_eth = sum(submission.nodeETH) + submission.userETH
    return (
        submission.rewardIndex, submission.executionBlock, submission.consensusBlock,
        submission.merkleRoot, submission.intervalsPassed, smoothing_pool_eth,
        submission.treasuryRPL, 0, submission.userETH, submission.trustedNodeRPL,
        submission.nodeRPL, submission.nodeETH,
    )  # fmt: skip


def _rfc3339(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
