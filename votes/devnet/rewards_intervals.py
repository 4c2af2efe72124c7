"""Rewards intervals on the devnet: a synthetic but well-formed rewards tree per interval,
published as a rewards file, and the RewardSubmission each member's treegen produces.

The published file is the canonical tree; a faulty treegen submits a root built from a tree
with one amount off by one wei, which is the kind of bug a clean-room check must catch.
"""

import random
from dataclasses import replace

from django.conf import settings

from votes.devnet.deploy import Deployment, contract, transact
from votes.devnet.duties import SimRound

ETHER = 10**18
NODE_OPERATORS = 40


class RewardsIntervals:
    def __init__(self, rng: random.Random, deployment: Deployment):
        self.rng = rng
        self.deployment = deployment
        self.wrong_root_treegens: set[str] = set()
        self.operators = ["0x" + rng.randbytes(20).hex() for _ in range(NODE_OPERATORS)]

    def start(self, chain, guardian, start_time: int) -> None:
        pool_address = self.deployment.current("rocketRewardsPool")
        pool = contract(chain.w3, "RocketRewardsPool", pool_address)
        transact(chain, guardian, pool_address,
                 pool.encode_abi("setClaimIntervalTimeStart", [start_time]))  # fmt: skip
        self.interval_start = start_time

    def open(self, sim, index: int) -> SimRound:
        from diversity.rewardstree.build import build_rewards_file, node_reward

        end = self.interval_start + (index + 1) * self.deployment.reward_interval_seconds
        block = sim.chain.w3.eth.block_number
        nodes = [
            node_reward(
                address,
                network=0,
                collateral_rpl=self.rng.randrange(10**20, 10**22),
                oracle_dao_rpl=self.rng.randrange(10**20) if i < 15 else 0,
                smoothing_pool_eth=self.rng.randrange(10**18) if self.rng.random() < 0.6 else 0,
            )
            for i, address in enumerate(self.operators)
        ]
        rewards_file = build_rewards_file(
            network="devnet", index=index, start_time=end - self.deployment.reward_interval_seconds,
            end_time=end, consensus_end_block=block, execution_end_block=block,
            intervals_passed=1, nodes=nodes,
            protocol_dao_rpl=self.rng.randrange(10**21), pool_staker_eth=self.rng.randrange(10**20),
        )  # fmt: skip
        self._publish(rewards_file)
        faulty = self.wrong_root_treegens
        self.wrong_root_treegens = set()
        return SimRound("rewards", sim.now(), index,
                        {"file": rewards_file, "faulty_treegens": faulty})  # fmt: skip

    def _publish(self, rewards_file) -> None:
        from diversity.rewardstree.build import to_published_json

        folder = settings.VAR_DIR / "rewards" / "devnet"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"rp-rewards-devnet-{rewards_file.index}.json"
        path.write_text(to_published_json(rewards_file))

    def values_for(self, sim_round: SimRound, member, treegen) -> dict:
        from diversity.rewardstree.build import submission_for

        rewards_file = sim_round.values["file"]
        faulty = treegen.name in sim_round.values["faulty_treegens"]
        faulty = faulty or self.rng.random() < treegen.fault_rate.get("wrong_root", 0.0)
        if faulty:
            rewards_file = off_by_one_wei(rewards_file)
        submission = submission_for(rewards_file, merkle_tree_cid=treegen.merkle_tree_cid)
        return {"submission": submission}


def off_by_one_wei(rewards_file):
    """The same tree with the first node's smoothing-pool ETH one wei higher (a treegen bug)."""
    from diversity.rewardstree.build import rebuild

    first = rewards_file.nodes[0]
    nodes = [
        replace(first, smoothing_pool_eth=first.smoothing_pool_eth + 1),
        *rewards_file.nodes[1:],
    ]
    return rebuild(rewards_file, nodes)
