"""What a correct watchtower reports in a devnet balances round: the simulator's ground truth.

It follows the definition towerwatch's reference implements for real networks (written in
`diversity/reference/network_balances.py`: the stock watchtower's terms, each read from the
contract that owns it), but from what the simulator itself knows rather than by enumerating the
chain: the nodes, minipools and megapool validators it made, the 32 ETH it deposited for each
validator and their balances on its own beacon chain (`beacon_world`). The protocol's views are
read at the round's block.

The devnet has only what the simulator makes, and the truth covers exactly that: vacant
minipools (no user ETH) that may be scrubbed (dissolved, none), and staked megapool validators.
ETH in the smoothing pool (an interval's rewards not yet paid out) counts with the rETH holders'
part the simulator put there (the interval's user ETH), as the watchtower's rewards tree gives
it. Anything else (a minipool of another kind) stops the run: the truth would not know it.
"""

from collections import defaultdict

from votes.devnet.beacon_world import BeaconWorld
from votes.devnet.protocol.system import ProtocolSystem

ETHER = 10**18
DEPOSITED = 32 * ETHER
DISSOLVED = 4  # MinipoolStatus


def network_balances(sim, block: int) -> tuple[int, int]:
    """(total ETH, staking ETH) at `block` for a running `Simulation`."""
    system: ProtocolSystem = sim.system
    nodes = [m.address for m in sim.members] + [n.address for n in sim.validators.nodes]
    total = pools_and_nodes(system, nodes, block) + sim.rewards.unpaid_user_eth(block)
    for minipool in sim.validators.minipools:
        _check_minipool(system, minipool, block)
    megapool_total, staking = megapools(system, sim.validators.megapool_validators,
                                        sim.beacon, block)  # fmt: skip
    return total + megapool_total, staking


def pools_and_nodes(system: ProtocolSystem, nodes: list[str], block: int) -> int:
    """The deposit pool's user balance less node credit, rETH's own ETH, the distributors'
    user shares."""
    w3, at = system.w3, {"block_identifier": block}
    total = system.contract("rocketDepositPool").functions.getUserBalance().call(**at)
    total += w3.eth.get_balance(system.address("rocketTokenRETH"), **at)
    deposit = system.contract("rocketNodeDeposit").functions
    factory = system.contract("rocketNodeDistributorFactory").functions
    for node in nodes:
        total -= deposit.getNodeDepositCredit(node).call(**at)
        distributor = factory.getProxyAddress(node).call(**at)
        if w3.eth.get_balance(distributor, **at):
            share = system.at("RocketNodeDistributorDelegate", distributor).functions
            total += share.getUserShare().call(**at)
    return total


def _check_minipool(system: ProtocolSystem, address: str, block: int) -> None:
    """The simulator's minipools hold no user ETH: vacant, or scrubbed."""
    minipool = system.at("RocketMinipoolDelegate", address, tag="v1.3.1").functions
    vacant = minipool.getVacant().call(block_identifier=block)
    if not vacant and minipool.getStatus().call(block_identifier=block) != DISSOLVED:
        raise RuntimeError(f"minipool {address} is neither vacant nor dissolved: not modelled")


def megapools(system: ProtocolSystem, validators, beacon: BeaconWorld, block: int):
    """(total, staking): each megapool's user capital and the rETH part of its rewards (its
    contract ETH plus its validators' beacon balance beyond the 32 ETH deposited), and as
    staking the user's part of each staked validator (32 ETH less the node's bond)."""
    total, staking = 0, 0
    by_megapool = defaultdict(list)
    for validator in validators:
        by_megapool[validator.megapool].append(validator)
    for address, staked in by_megapool.items():
        megapool = system.at("RocketMegapoolDelegate", address).functions
        capital = megapool.getUserCapital().call(block_identifier=block)
        rewards = megapool.getPendingRewards().call(block_identifier=block)
        rewards += sum(beacon.balance_wei(v.pubkey) - DEPOSITED for v in staked)
        split = (
            megapool.calculateRewards(rewards).call(block_identifier=block) if rewards > 0 else ()
        )
        total += capital + (split[3] if split else 0)
        staking += sum(DEPOSITED - v.bond for v in staked)
    return total, staking
