"""Validators on a `RocketPoolDevnet` now: each helper mines the stages of `validators` and
`node_operators` at once, for tests and tools that need the state rather than a schedule (the
simulator plans the same stages at its chosen chain times)."""

from eth_utils import keccak

from votes.devnet.protocol import node_operators, validators
from votes.devnet.protocol.beacon_verifier import (
    install_beacon_state_verifier_mock,
    proofs_accepted,
)
from votes.devnet.protocol.driver import merge_stages
from votes.devnet.protocol.fixture import RocketPoolDevnet
from votes.devnet.protocol.node_operators import ETHER
from votes.devnet.protocol.validators import PlannedMinipool, PlannedValidator
from votes.devnet.transactions import Signer, fund

PARTICIPANT_BALANCE = 10**6 * ETHER


def participant_key(seed: int, role: str, index: int) -> bytes:
    """The devnet key of a node operator or staker (throwaway keys, devnet only)."""
    return keccak(f"towerwatch devnet {role} {seed} {index}".encode())


def new_participant(devnet: RocketPoolDevnet, role: str, index: int, seed: int = 1) -> Signer:
    """A funded signer that is no member: `role` is "node" or "staker" (any label will do)."""
    signer = Signer.from_key(participant_key(seed, role, index), devnet.chain.w3)
    fund(devnet.chain.w3, signer.address, PARTICIPANT_BALANCE)
    return signer


def add_node_operator(devnet: RocketPoolDevnet, node: Signer, minipools: int = 0,
                      bond: int = 8 * ETHER) -> None:  # fmt: skip
    """Register `node` (unless it is) and stake the RPL that `minipools` Houston minipools of
    `bond` ETH need (none for megapools)."""
    system = devnet.system
    operations = []
    if not system.contract("rocketNodeManager").functions.getNodeExists(node.address).call():
        operations.append(node_operators.register_node_stages(system, node))
    if minipools:
        rpl = node_operators.minipool_rpl_stake(system, bond, minipools)
        operations.append(node_operators.rpl_stake_stages(system, devnet.guardian, node, rpl))
    devnet.run(*merge_stages(operations))


def add_prelaunch_minipool(devnet: RocketPoolDevnet, node: Signer, salt: int, vacant: bool = True,
                           bond: int = 8 * ETHER) -> PlannedMinipool:  # fmt: skip
    """A Houston minipool in prelaunch, of a node set up by `add_node_operator`. A deposited one
    is assigned by a staker's deposit of the 32 ETH - bond it lacks, just before."""
    system = devnet.system
    if vacant:
        minipool = validators.vacant_minipool(system, node, salt, bond)
    else:
        staker = new_participant(devnet, "staker", 0)
        devnet.run(validators.deposit_settings_stage(system, devnet.guardian))
        devnet.run([node_operators.staker_deposit(system, staker, 32 * ETHER - bond)])
        minipool = validators.deposited_minipool(system, node, salt, bond)
    devnet.run(*minipool.stages)
    return minipool


def add_megapool(devnet: RocketPoolDevnet, node: Signer, count: int = 1,
                 staked: bool = True) -> list[PlannedValidator]:  # fmt: skip
    """`count` new validators in the megapool of `node` (registered if needed), each assigned
    by a staker's deposit; staked (after installing the mock beacon verifier) if asked."""
    add_node_operator(devnet, node)
    system = devnet.system
    megapool = validators.megapool_address(system, node.address)
    staker = new_participant(devnet, "staker", 0)
    made = []
    for _ in range(count):
        existing = _megapool_validator_count(devnet, megapool)
        validator = validators.megapool_validator(system, node, existing)
        devnet.run([node_operators.staker_deposit(system, staker, 32 * ETHER - validator.bond)])
        devnet.run(*validator.stages)
        made.append(validator)
    if staked:
        if not proofs_accepted(system):
            install_beacon_state_verifier_mock(devnet.chain, system, devnet.guardian)
        slot = devnet.chain.timestamp
        devnet.run([validators.stake_validator(system, node, v, slot) for v in made])
    return made


def mint_reth(devnet: RocketPoolDevnet, staker: Signer, amount: int) -> int:
    """Deposit `amount` wei for rETH; returns the rETH total supply after."""
    devnet.run([node_operators.staker_deposit(devnet.system, staker, amount)])
    return devnet.system.contract("rocketTokenRETH").functions.totalSupply().call()


def _megapool_validator_count(devnet: RocketPoolDevnet, megapool: str) -> int:
    if not devnet.chain.w3.eth.get_code(megapool):
        return 0
    pool = devnet.system.at("RocketMegapoolDelegate", megapool)
    return pool.functions.getValidatorCount().call()
