"""Minipools and megapools on the real-protocol devnet, made through the real contracts as
planned stages, so that the oDAO's validator duties have something to act on.

Houston (v1.3.1): a node creates a minipool that is in prelaunch, the status in which members
can `voteScrub()` it; any registered minipool can be penalised (`submitPenalty`). A vacant
minipool (`createVacantMinipool`) is in prelaunch at once; a deposited one (`deposit`) only once
the deposit pool assigns it 31 ETH, so stakers must have deposited enough first, and its scrub
returns the user ETH (`EtherWithdrawn` before `MinipoolScrubbed`).

Saturn (v1.4) creates no minipools. A node's first `deposit` deploys its megapool, which any
member can `penalise`; `challengeExit` needs a validator that is staked, which takes a beacon
state proof, so `install_beacon_state_verifier_mock` swaps in the protocol's test verifier.
Saturn's deposit pool serves the Houston minipool queue first: a deposited minipool left
unassigned before the upgrade keeps every megapool validator waiting in the queue.
"""

from dataclasses import dataclass, field

from votes.devnet.protocol.deposit_data import (
    GWEI,
    SIGNATURE,
    deposit_data_root,
    validator_pubkey,
    withdrawal_credentials,
)
from votes.devnet.protocol.node_operators import ETHER, SETUP_GAS
from votes.devnet.protocol.oracle_dao import PlannedTx, call
from votes.devnet.protocol.system import HOUSTON_TAG, ProtocolSystem
from votes.devnet.transactions import Signer

LAUNCH_BALANCE = 32 * ETHER
PRESTAKE_VALUE = 1 * ETHER  # what a new validator's first deposit stakes (both releases)
FAR_FUTURE_EPOCH = 2**64 - 1
# Settings (RocketDAOProtocol.bootstrapSettingBool) that regular Houston minipool deposits need
# beyond devnet.PROTOCOL_SETTINGS; vacant minipools and megapools need none.
MINIPOOL_DEPOSIT_SETTINGS = (("rocketDAOProtocolSettingsNode", "node.deposit.enabled", True),)


@dataclass
class PlannedMinipool:
    """A Houston minipool to be made by mining `stages`; its address is known in advance."""

    node: Signer
    address: str
    pubkey: bytes
    bond: int
    vacant: bool
    stages: list[list[PlannedTx]] = field(default_factory=list)


@dataclass
class PlannedValidator:
    """A megapool validator: `validator_id` is its index within the node's megapool."""

    node: Signer
    megapool: str
    validator_id: int
    pubkey: bytes
    bond: int
    stages: list[list[PlannedTx]] = field(default_factory=list)


def deposit_settings_stage(system: ProtocolSystem, guardian: Signer) -> list[PlannedTx]:
    """The guardian's bootstrap settings for `MINIPOOL_DEPOSIT_SETTINGS` (one block)."""
    return [
        _send(system, guardian, "rocketDAOProtocol", "bootstrapSettingBool", name, path, value)
        for name, path, value in MINIPOOL_DEPOSIT_SETTINGS
    ]


def vacant_minipool(system: ProtocolSystem, node: Signer, salt: int,
                    bond: int = 8 * ETHER) -> PlannedMinipool:  # fmt: skip
    """A vacant minipool (a migrating solo validator), in prelaunch once mined. The node needs
    `node_operators.minipool_rpl_stake(system, bond)` RPL staked."""
    address = _expected_minipool(system, node, salt)
    pubkey = validator_pubkey(node.address, salt)
    create = _send(system, node, "rocketNodeDeposit", "createVacantMinipool",
                   bond, 0, pubkey, salt, address, LAUNCH_BALANCE)  # fmt: skip
    return PlannedMinipool(node, address, pubkey, bond, vacant=True, stages=[[create]])


def deposited_minipool(system: ProtocolSystem, node: Signer, salt: int,
                       bond: int = 8 * ETHER) -> PlannedMinipool:  # fmt: skip
    """A minipool made by a node deposit of `bond` ETH, whose first 1 ETH goes to the beacon
    deposit contract. Prelaunch only if the deposit pool then holds 32 ETH - bond of stakers'
    ETH; needs `MINIPOOL_DEPOSIT_SETTINGS` and the RPL stake."""
    address = _expected_minipool(system, node, salt)
    pubkey = validator_pubkey(node.address, salt)
    root = deposit_data_root(pubkey, withdrawal_credentials(address), PRESTAKE_VALUE)
    deposit = _send(system, node, "rocketNodeDeposit", "deposit",
                    bond, 0, pubkey, SIGNATURE, root, salt, address, value=bond)  # fmt: skip
    return PlannedMinipool(node, address, pubkey, bond, vacant=False, stages=[[deposit]])


def megapool_address(system: ProtocolSystem, node: str) -> str:
    """Where the node's megapool is or will be (one per node, at a fixed address)."""
    return system.contract("rocketMegapoolFactory").functions.getExpectedAddress(node).call()


def megapool_bond(system: ProtocolSystem, validators_before: int) -> int:
    """The bond of a node's next megapool validator, given how many it made before (for a node
    that always bonded what was required): the increase of the RPIP-42 bond requirement, at
    least the 1 ETH prestake."""
    requirement = system.contract("rocketNodeDeposit").functions.getBondRequirement
    needed = requirement(validators_before + 1).call() - requirement(validators_before).call()
    return max(needed, PRESTAKE_VALUE)


def megapool_validator(system: ProtocolSystem, node: Signer, validator_id: int,
                       express: bool = False) -> PlannedValidator:  # fmt: skip
    """A Saturn node deposit creating validator `validator_id` of the node's megapool (deploying
    the megapool with the first). Assigned from the deposit pool at once if it holds enough
    stakers' ETH (then in prestake), else queued."""
    megapool = megapool_address(system, node.address)
    pubkey = validator_pubkey(megapool, validator_id)
    bond = megapool_bond(system, validator_id)
    root = deposit_data_root(pubkey, withdrawal_credentials(megapool), PRESTAKE_VALUE)
    deposit = _send(system, node, "rocketNodeDeposit", "deposit",
                    bond, express, pubkey, SIGNATURE, root, value=bond)  # fmt: skip
    return PlannedValidator(node, megapool, validator_id, pubkey, bond, stages=[[deposit]])


def stake_validator(system: ProtocolSystem, sender: Signer, validator: PlannedValidator,
                    slot_timestamp: int) -> PlannedTx:  # fmt: skip
    """`RocketMegapoolManager.stake`: the remaining 31 ETH to the beacon deposit contract, given
    a proof that the validator is deposited but not yet active. Only the mock verifier accepts
    the proof; the slot's timestamp must be at most an hour before the block's."""
    proof = deposited_validator_proof(validator)
    return _send(system, sender, "rocketMegapoolManager", "stake", validator.megapool,
                 validator.validator_id, slot_timestamp, proof, (0, []))  # fmt: skip


def deposited_validator_proof(validator: PlannedValidator) -> tuple:
    """A `ValidatorProof` (beacon index, Validator, witnesses) of the state `stake` requires:
    our credentials, 1 ETH effective balance, not slashed, every epoch far in the future. The
    beacon index is not checked against anything; the validator id stands in for it."""
    state = (validator.pubkey, withdrawal_credentials(validator.megapool),
             PRESTAKE_VALUE // GWEI, False, *[FAR_FUTURE_EPOCH] * 4)  # fmt: skip
    return (validator.validator_id, state, [])


def minipool_contract(system: ProtocolSystem, address: str):
    """A minipool made before Saturn keeps the Houston delegate's code and ABI."""
    return system.at("RocketMinipoolDelegate", address, tag=HOUSTON_TAG)


def _expected_minipool(system: ProtocolSystem, node: Signer, salt: int) -> str:
    factory = system.contract("rocketMinipoolFactory").functions
    return factory.getExpectedAddress(node.address, salt).call()


def _send(system: ProtocolSystem, signer: Signer, name: str, function: str, *args,
          value: int = 0) -> PlannedTx:  # fmt: skip
    return call(system, signer, name, function, *args, gas=SETUP_GAS, value=value)
