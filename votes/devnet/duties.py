"""How a watchtower votes on each duty, per contract era: the call to make, and whether the
round is already settled on-chain (what a careful watchtower checks before voting)."""

from dataclasses import dataclass, field

from web3 import Web3

from votes.devnet.deploy import Deployment, contract

ATLAS_ERA = {"RocketNetworkBalancesAtlas", "RocketNetworkPricesAtlas"}


@dataclass
class SimRound:
    """One thing the oDAO votes on; `key` is what the contract votes on (block, index, minipool)."""

    duty: str
    opened_at: int
    key: int | str | None = None
    values: dict = field(default_factory=dict)
    wrong: dict = field(default_factory=dict)  # implementation -> values it submits instead


@dataclass
class VoteCall:
    to: str
    data: str


def _era(deployment: Deployment, name: str):
    era = next(e for e in reversed(deployment.eras) if e.name == name)
    return era.address, era.solidity


def vote_call(w3: Web3, deployment: Deployment, sim_round: SimRound, values: dict) -> VoteCall:
    duty = sim_round.duty
    if duty == "scrub":
        minipool = contract(w3, "RocketMinipool", sim_round.key)
        return VoteCall(sim_round.key, minipool.encode_abi("voteScrub", []))
    if duty == "rewards":
        address, solidity = _era(deployment, "rocketRewardsPool")
        pool = contract(w3, solidity, address)
        return VoteCall(address, pool.encode_abi("submitRewardSnapshot", [values["submission"]]))
    name = "rocketNetworkBalances" if duty == "balances" else "rocketNetworkPrices"
    address, solidity = _era(deployment, name)
    target = contract(w3, solidity, address)
    houston = solidity not in ATLAS_ERA
    head = [sim_round.key, sim_round.opened_at] if houston else [sim_round.key]
    if duty == "balances":
        args = head + [values["total_eth"], values["staking_eth"], values["reth_supply"]]
        return VoteCall(address, target.encode_abi("submitBalances", args))
    return VoteCall(address, target.encode_abi("submitPrices", head + [values["rpl_price"]]))


def is_settled(w3: Web3, deployment: Deployment, sim_round: SimRound) -> bool:
    """True once the contract has applied this round (a later vote would be a late vote)."""
    duty = sim_round.duty
    if duty == "scrub":
        return contract(w3, "RocketMinipool", sim_round.key).functions.getStatus().call() != 1
    if duty == "rewards":
        address, solidity = _era(deployment, "rocketRewardsPool")
        index = contract(w3, solidity, address).functions.getRewardIndex().call()
        return index > sim_round.key
    name = "rocketNetworkBalances" if duty == "balances" else "rocketNetworkPrices"
    address, solidity = _era(deployment, name)
    getter = "getBalancesBlock" if duty == "balances" else "getPricesBlock"
    return contract(w3, solidity, address).functions[getter]().call() >= sim_round.key
