"""How a watchtower votes on each duty of the real protocol: the call to make, and whether the
round is already settled on-chain (what a careful watchtower checks before voting).

The contract to call is looked up by storage name at the time of the vote, so a member voting
after the Saturn upgrade calls the v1.4 contract with the v1.4 ABI, as a real watchtower does.
"""

from dataclasses import dataclass, field

from votes.devnet.protocol.system import SATURN_TAG, ProtocolSystem


@dataclass
class SimRound:
    """One thing the oDAO votes on; `key` is what the contract votes on (block, index, minipool)."""

    duty: str
    opened_at: int
    key: int | str | None = None
    values: dict = field(default_factory=dict)
    wrong: dict = field(default_factory=dict)  # implementation -> values it submits instead

    @property
    def round_key(self) -> int | str:
        """The round as the contract keys its votes: a penalty is voted per (pool, block)."""
        if self.duty in ("penalty", "megapool_penalty"):
            return f"{self.key}:{self.values['block']}"
        return self.key


@dataclass
class VoteCall:
    to: str
    data: str


def vote_call(system: ProtocolSystem, sim_round: SimRound, values: dict) -> VoteCall:
    duty, key = sim_round.duty, sim_round.key
    if duty == "scrub":
        minipool = system.at("RocketMinipoolDelegate", key, tag="v1.3.1")
        return VoteCall(minipool.address, minipool.encode_abi("voteScrub", []))
    if duty == "penalty":
        return VoteCall(*system.encode("rocketNetworkPenalties", "submitPenalty", key,
                                       values["block"]))  # fmt: skip
    if duty == "bond_cancel":
        return VoteCall(*system.encode("rocketMinipoolBondReducer", "voteCancelReduction", key))
    if duty == "megapool_penalty":
        return VoteCall(*system.encode("rocketMegapoolPenalties", "penalise", key,
                                       values["block"], values["amount"]))  # fmt: skip
    if duty == "rewards":
        return VoteCall(*system.encode("rocketRewardsPool", "submitRewardSnapshot",
                                       rewards_struct(system, values)))  # fmt: skip
    head = (key, sim_round.opened_at)
    if duty == "balances":
        totals = (values["total_eth"], values["staking_eth"], values["reth_supply"])
        return VoteCall(*system.encode("rocketNetworkBalances", "submitBalances", *head, *totals))
    return VoteCall(*system.encode("rocketNetworkPrices", "submitPrices", *head,
                                   values["rpl_price"]))  # fmt: skip


def rewards_struct(system: ProtocolSystem, values: dict) -> tuple:
    """The submission in the struct layout of the rewards pool in force."""
    if system.release("rocketRewardsPool") == SATURN_TAG:
        return values["submission_v14"]
    return values["submission"]


def is_settled(system: ProtocolSystem, sim_round: SimRound) -> bool:
    """True once the contract has applied this round (a later vote would be a late vote)."""
    duty, key = sim_round.duty, sim_round.key
    if duty == "scrub":
        minipool = system.at("RocketMinipoolDelegate", key, tag="v1.3.1")
        return minipool.functions.getStatus().call() != PRELAUNCH
    if duty == "bond_cancel":
        reducer = system.contract("rocketMinipoolBondReducer").functions
        return reducer.getReduceBondCancelled(key).call()
    if duty in ("penalty", "megapool_penalty"):
        return False  # a penalty round has no settled flag a watchtower reads first
    if duty == "rewards":
        return system.contract("rocketRewardsPool").functions.getRewardIndex().call() > key
    if duty == "balances":
        return system.contract("rocketNetworkBalances").functions.getBalancesBlock().call() >= key
    return system.contract("rocketNetworkPrices").functions.getPricesBlock().call() >= key


PRELAUNCH = 1  # MinipoolStatus.Prelaunch
