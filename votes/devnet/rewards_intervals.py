"""Rewards intervals on the devnet: a synthetic but well-formed rewards tree per interval,
published as a rewards file, and the RewardSubmission each member's treegen produces.

The published file is the canonical tree; a faulty treegen submits a root built from a tree
with one amount off by one wei, which is the kind of bug a clean-room check must catch.
"""

import random
from dataclasses import replace
from datetime import UTC, datetime

from django.conf import settings

from diversity.rewardstree.model import NodeReward, RewardsFile, RewardSubmission
from diversity.rewardstree.writer import complete_rewards_file, dumps_rewards_file
from votes.devnet.deploy import Deployment, contract, transact
from votes.devnet.duties import SimRound

ETHER = 10**18
NODE_OPERATORS = 40


class RewardsIntervals:
    def __init__(self, rng: random.Random, deployment: Deployment):
        self.rng = rng
        self.deployment = deployment
        self.wrong_root_treegens: set[str] = set()
        self.previous_end_block = deployment.deploy_block
        self.operators = ["0x" + rng.randbytes(20).hex() for _ in range(NODE_OPERATORS)]

    def start(self, chain, guardian, start_time: int) -> None:
        pool_address = self.deployment.current("rocketRewardsPool")
        pool = contract(chain.w3, "RocketRewardsPool", pool_address)
        transact(chain, guardian, pool_address,
                 pool.encode_abi("setClaimIntervalTimeStart", [start_time]))  # fmt: skip
        self.interval_start = start_time

    def open(self, sim, index: int) -> SimRound:
        end = self.interval_start + (index + 1) * self.deployment.reward_interval_seconds
        block = sim.mine(sim.now()).number  # the interval's last block, at its end time
        rewards_file = complete_rewards_file(RewardsFile(
            version=3, index=index, network="devnet", ruleset_version=10,
            start_time=_rfc3339(end - self.deployment.reward_interval_seconds),
            end_time=_rfc3339(end), consensus_end_block=block, execution_end_block=block,
            consensus_start_block=self.previous_end_block + 1,
            execution_start_block=self.previous_end_block + 1,
            intervals_passed=1, nodes=self._node_rewards(),
            total_rewards={"protocolDaoRpl": self.rng.randrange(10**21),
                           "poolStakerSmoothingPoolEth": self.rng.randrange(10**20)},
        ))  # fmt: skip
        self._publish(rewards_file)
        self.previous_end_block = block
        faulty = self.wrong_root_treegens
        self.wrong_root_treegens = set()
        return SimRound("rewards", sim.now(), index,
                        {"file": rewards_file, "faulty_treegens": faulty})  # fmt: skip

    def _node_rewards(self) -> list[NodeReward]:
        return [
            NodeReward(
                address=address,
                reward_network=0,
                collateral_rpl=self.rng.randrange(10**20, 10**22),
                oracle_dao_rpl=self.rng.randrange(10**20) if position < 15 else 0,
                smoothing_pool_eth=self.rng.randrange(10**18) if self.rng.random() < 0.6 else 0,
            )
            for position, address in enumerate(self.operators)
        ]

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
        return {"submission": astuple_for_contract(submission)}


def off_by_one_wei(rewards_file: RewardsFile) -> RewardsFile:
    """The same tree with the first node's smoothing-pool ETH one wei higher (a treegen bug)."""
    nodes = [replace(node) for node in rewards_file.nodes]
    nodes[0].smoothing_pool_eth += 1
    kept = ("protocolDaoRpl", "poolStakerSmoothingPoolEth")
    totals = {name: rewards_file.total_rewards[name] for name in kept}
    return complete_rewards_file(replace(rewards_file, nodes=nodes, total_rewards=totals))


def astuple_for_contract(submission: RewardSubmission) -> tuple:
    """The struct in the order of the v1.1-v1.3 ABI tuple."""
    return (
        submission.rewardIndex, submission.executionBlock, submission.consensusBlock,
        submission.merkleRoot, submission.merkleTreeCID or "", submission.intervalsPassed,
        submission.treasuryRPL, submission.trustedNodeRPL, submission.nodeRPL,
        submission.nodeETH, submission.userETH,
    )  # fmt: skip


def _rfc3339(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
