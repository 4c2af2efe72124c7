"""Deploy the real Rocket Pool v1.3.1 system and stage the real v1.4 upgrade, from Python.

The releases' own scripts do the same through hardhat, but wait seconds on every receipt (about
four minutes for v1.3.1); the devnet mines each block itself, so the same transactions, in the
same order and with the same arguments (see `plans`), take seconds here.
"""

import base64
import json
import zlib
from dataclasses import dataclass, field

from eth_utils import keccak
from web3 import Web3

from votes.chain.storage_keys import contract_address_key, contract_exists_key, contract_name_key
from votes.devnet.chain import DevnetChain
from votes.devnet.protocol import plans
from votes.devnet.protocol.contracts import ProtocolContracts
from votes.devnet.transactions import Signer, type2_fees

GAS_MARGIN = 1.25  # over the node's estimate, as wallets do
GWEI = 10**9


class DeployFailed(RuntimeError):
    """A deployment transaction reverted; names the step."""


def compress_abi(abi: list) -> str:
    """How the scripts store an ABI in RocketStorage: zlib-deflated JSON, base64."""
    return base64.b64encode(zlib.compress(json.dumps(abi, separators=(",", ":")).encode())).decode()


@dataclass
class Staged:
    """What a deployment step left on chain: storage name -> address, in deployment order."""

    addresses: dict[str, str] = field(default_factory=dict)
    block: int = 0
    registered_at: dict[str, int] = field(default_factory=dict)  # name -> block of setAddress


class Deployer:
    """Sends the guardian's transactions one block each, failing loudly on a revert."""

    def __init__(self, chain: DevnetChain, guardian: Signer, contracts: ProtocolContracts):
        self.chain, self.w3 = chain, chain.w3
        self.guardian, self.contracts = guardian, contracts

    def send(self, step: str, to: str | None, data: str) -> dict:
        tx = {"data": data, **type2_fees(2 * self.chain.base_fee + GWEI, GWEI)}
        if to is not None:
            tx["to"] = Web3.to_checksum_address(to)
        try:
            estimate = self.w3.eth.estimate_gas({**tx, "from": self.guardian.address})
        except Exception as error:  # web3 raises several types for a revert
            raise DeployFailed(f"{step} would revert: {error}") from error
        tx["gas"] = int(estimate * GAS_MARGIN)
        tx_hash = self.guardian.send(self.w3, tx)
        self.chain.mine()
        receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise DeployFailed(f"{step} reverted ({tx_hash})")
        return receipt

    def deploy(self, tag: str, artifact: str, *args) -> str:
        data = self.contracts.factory(tag, artifact).constructor(*args).data_in_transaction
        receipt = self.send(f"deploy {artifact}", None, data)
        return receipt["contractAddress"]

    def call(self, tag: str, artifact: str, address: str, function: str, *args) -> dict:
        data = self.contracts.at(tag, artifact, address).encode_abi(function, list(args))
        return self.send(f"{artifact}.{function}", address, data)


def deploy_houston(deployer: Deployer) -> tuple[str, Staged]:
    """v1.3.1 as its `deployRocketPool()` leaves it: (RocketStorage address, contracts)."""
    tag = "v1.3.1"
    staged = Staged()
    staged.addresses["casperDeposit"] = deployer.deploy(tag, "CasperDeposit")
    storage = deployer.deploy(tag, "RocketStorage")
    staged.block = deployer.w3.eth.block_number
    for name, artifact in plans.HOUSTON_CONTRACTS:
        if name in plans.HOUSTON_NO_CONSTRUCTOR_ARGS:
            args = ()
        elif name == "rocketTokenRPL":
            args = (storage, staged.addresses["rocketTokenRPLFixedSupply"])
        else:
            args = (storage,)
        address = staged.addresses[name] = deployer.deploy(tag, artifact, *args)
        if name in plans.HOUSTON_ADDRESS_FIRST:
            set_storage(deployer, storage, "setAddress", contract_address_key(name), address)
            staged.registered_at[name] = deployer.w3.eth.block_number
    staged.addresses["rocketStorage"] = storage
    register_all(deployer, tag, storage, staged)
    finish_houston(deployer, storage, staged.block)
    return storage, staged


def set_storage(deployer: Deployer, storage: str, setter: str, key: bytes, value) -> None:
    deployer.call("v1.3.1", "RocketStorage", storage, setter, key, value)


def register_all(deployer: Deployer, tag: str, storage: str, staged: Staged) -> None:
    """Name, address and ABI of every contract, as the script writes them before the lock."""
    for name, address in staged.addresses.items():
        artifact = "CasperDeposit" if name == "casperDeposit" else _houston_artifact(name)
        set_storage(deployer, storage, "setBool", contract_exists_key(address), True)
        set_storage(deployer, storage, "setString", contract_name_key(address), name)
        if name not in plans.HOUSTON_ADDRESS_FIRST:
            set_storage(deployer, storage, "setAddress", contract_address_key(name), address)
            staged.registered_at[name] = deployer.w3.eth.block_number
        abi = deployer.contracts.abi(tag, artifact)
        set_storage(deployer, storage, "setString", abi_key(name), compress_abi(abi))
    name, parts = plans.HOUSTON_MINIPOOL_ABI
    combined = [item for part in parts for item in deployer.contracts.abi(tag, part)]
    set_storage(deployer, storage, "setString", abi_key(name), compress_abi(combined))


def finish_houston(deployer: Deployer, storage: str, deploy_block: int) -> None:
    set_storage(deployer, storage, "setUint", keccak(b"deploy.block"), deploy_block)
    version = plans.HOUSTON_PROTOCOL_VERSION
    set_storage(deployer, storage, "setString", keccak(b"protocol.version"), version)
    deployer.call("v1.3.1", "RocketStorage", storage, "setDeployedStatus")


def abi_key(name: str) -> bytes:
    return keccak(b"contract.abi" + name.encode())


def _houston_artifact(name: str) -> str:
    if name == "rocketStorage":
        return "RocketStorage"
    return dict(plans.HOUSTON_CONTRACTS)[name]


def stage_saturn(deployer: Deployer, storage: str, dao_node_trusted: str) -> Staged:
    """The v1.4 contracts and `RocketUpgradeOneDotFour` deployed, loaded and registered by the
    guardian, ready for `execute()` (which the simulator calls on its upgrade day)."""
    tag = "v1.4"
    staged = Staged(block=deployer.w3.eth.block_number)
    for name in plans.SATURN_DEPLOY_ORDER:
        args = saturn_constructor_args(name, storage)
        staged.addresses[name] = deployer.deploy(tag, plans.saturn_artifact(name), *args)
    upgrade_name, upgrade_artifact = plans.SATURN_UPGRADE_CONTRACT
    upgrade = staged.addresses[upgrade_name] = deployer.deploy(tag, upgrade_artifact, storage)
    for setter, names in (("setA", plans.SATURN_SET_A), ("setB", plans.SATURN_SET_B)):
        addresses = [staged.addresses[name] for name in names]
        abis = [compress_abi(deployer.contracts.abi(tag, plans.saturn_artifact(n))) for n in names]
        deployer.call(tag, upgrade_artifact, upgrade, setter, addresses, abis)
    upgrade_abi = compress_abi(deployer.contracts.abi(tag, upgrade_artifact))
    deployer.call("v1.3.1", "RocketDAONodeTrusted", dao_node_trusted, "bootstrapUpgrade",
                  "addContract", upgrade_name, upgrade_abi, upgrade)  # fmt: skip
    return staged


def saturn_constructor_args(name: str, storage: str) -> tuple:
    if name in plans.SATURN_NO_CONSTRUCTOR_ARGS:
        return ()
    if name == "beaconStateVerifier":
        return (storage, *plans.SATURN_PRIVATE_BEACON)
    return (storage,)


def execute_saturn(deployer: Deployer, upgrade: str) -> dict:
    """The upgrade itself: one guardian transaction that re-points every name, emitting no
    event, as on mainnet."""
    _, artifact = plans.SATURN_UPGRADE_CONTRACT
    return deployer.call("v1.4", artifact, upgrade, "execute")
