"""Deploy the devnet oDAO: RocketStorage, the membership and duty contracts, and the world.

Contracts are registered in RocketStorage the way mainnet's upgrade contracts did it: by writing
`contract.address`/`contract.exists`/`contract.name` directly, so an upgrade leaves no event and
the indexer must find old addresses the way it would on mainnet.
"""

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from eth_utils import keccak
from web3 import Web3

from votes.chain.storage_keys import contract_address_key, contract_exists_key, contract_name_key
from votes.devnet.chain import DevnetChain
from votes.devnet.compiler import load_artifacts
from votes.devnet.transactions import Signer, fund, type2_fees

GUARDIAN_KEY = keccak(b"towerwatch devnet guardian")
DEPLOY_GAS = 8_000_000
CALL_GAS = 1_000_000
GWEI = 10**9

# Name in RocketStorage -> Solidity contract of the first era.
GENESIS_CONTRACTS = {
    "rocketDAONodeTrusted": "RocketDAONodeTrusted",
    "rocketDAONodeTrustedActions": "RocketDAONodeTrustedActions",
    "rocketDAOProtocolSettingsNetwork": "RocketDAOProtocolSettingsNetwork",
    "rocketNetworkBalances": "RocketNetworkBalancesAtlas",
    "rocketNetworkPrices": "RocketNetworkPricesAtlas",
    "rocketRewardsPool": "RocketRewardsPool",
    "rocketMinipoolManager": "RocketMinipoolManager",
    "rocketTokenRETH": "RocketTokenRETH",
}
# The "Houston" upgrade the simulator performs mid-history: new ABIs on new addresses.
HOUSTON_UPGRADE = {
    "rocketNetworkBalances": "RocketNetworkBalances",
    "rocketNetworkPrices": "RocketNetworkPrices",
}


@dataclass
class ContractEra:
    """One address a storage name pointed to, and from which block (to which, once replaced)."""

    name: str
    address: str
    solidity: str
    from_block: int
    to_block: int | None = None
    release: str = "imitation"  # a Rocket Pool tag for the real protocol


@dataclass
class Deployment:
    rpc_url: str
    chain_id: int
    rocket_storage: str
    world: str
    guardian: str
    deploy_block: int
    reward_interval_seconds: int
    eras: list[ContractEra] = field(default_factory=list)
    protocol: dict | None = None  # the real protocol's ProtocolAddresses; None: the imitation
    beacon_url: str | None = None  # the devnet's beacon-API server, while its process runs

    @property
    def is_rocketpool(self) -> bool:
        return self.protocol is not None

    def describe(self) -> str:
        """What the devnet runs, in words for the dashboard."""
        if not self.is_rocketpool:
            return "hand-written imitation contracts (pre-Houston ABI eras)"
        upgraded = self.protocol.get("upgraded_block")
        saturn = f", upgraded to v1.4 (Saturn) at block {upgraded}" if upgraded else ""
        return f"the real Rocket Pool contracts: v1.3.1 (Houston){saturn}"

    def current(self, name: str) -> str:
        return next(e.address for e in reversed(self.eras) if e.name == name)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path) -> "Deployment":
        raw = json.loads(path.read_text())
        raw["eras"] = [ContractEra(**era) for era in raw["eras"]]
        return cls(**raw)


@lru_cache(maxsize=512)
def contract(w3: Web3, solidity_name: str, address: str | None = None):
    """A web3 contract object for a devnet contract (cached: building one parses the ABI)."""
    artifact = load_artifacts()[solidity_name]
    if address is None:
        return w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact["abi"])


def transact(chain: DevnetChain, signer: Signer, to: str | None, data: str, gas: int = CALL_GAS):
    """Send one guardian transaction and mine it in a block of its own, on the next slot."""
    tx = {"data": data, "gas": gas, **type2_fees(50 * GWEI, GWEI)}
    if to is not None:
        tx["to"] = Web3.to_checksum_address(to)
    tx_hash = signer.send(chain.w3, tx)
    chain.mine()
    receipt = chain.w3.eth.get_transaction_receipt(tx_hash)
    if receipt["status"] != 1:
        raise RuntimeError(f"devnet transaction failed: {receipt['transactionHash'].hex()}")
    return receipt


def deploy_contract(chain: DevnetChain, signer: Signer, solidity_name: str, *args) -> str:
    data = contract(chain.w3, solidity_name).constructor(*args).data_in_transaction
    return transact(chain, signer, None, data, gas=DEPLOY_GAS)["contractAddress"]


def register(chain: DevnetChain, signer: Signer, storage: str, name: str, address: str, old):
    rocket_storage = contract(chain.w3, "RocketStorage", storage)
    calls = [
        ("setAddress", [contract_address_key(name), address]),
        ("setBool", [contract_exists_key(address), True]),
        ("setString", [contract_name_key(address), name]),
    ]
    if old:
        calls.append(("setBool", [contract_exists_key(old), False]))
    for function, args in calls:
        transact(chain, signer, storage, rocket_storage.encode_abi(function, args))


def guardian_signer(chain: DevnetChain) -> Signer:
    guardian = Signer.from_key(GUARDIAN_KEY)
    fund(chain.w3, guardian.address, 10**24)
    guardian.nonce = chain.w3.eth.get_transaction_count(guardian.address)
    return guardian


def deploy(
    chain: DevnetChain, rpc_url: str, reward_interval_seconds: int = 7 * 86400
) -> Deployment:
    guardian = guardian_signer(chain)
    storage = deploy_contract(chain, guardian, "RocketStorage")
    world = deploy_contract(chain, guardian, "DevnetWorld")
    deployment = Deployment(
        rpc_url=rpc_url,
        chain_id=chain.w3.eth.chain_id,
        rocket_storage=storage,
        world=world,
        guardian=guardian.address,
        deploy_block=chain.w3.eth.block_number,
        reward_interval_seconds=reward_interval_seconds,
    )
    install(chain, guardian, deployment, GENESIS_CONTRACTS)
    return deployment


def install(chain: DevnetChain, guardian: Signer, deployment: Deployment, contracts: dict) -> None:
    """Deploy each contract and point its storage name at it, closing the previous era."""
    for name, solidity_name in contracts.items():
        args = [deployment.rocket_storage]
        if solidity_name == "RocketRewardsPool":
            args.append(deployment.reward_interval_seconds)
        address = deploy_contract(chain, guardian, solidity_name, *args)
        previous = next((e for e in deployment.eras if e.name == name and e.to_block is None), None)
        old = previous.address if previous else None
        register(chain, guardian, deployment.rocket_storage, name, address, old)
        block = chain.w3.eth.block_number
        if previous:
            previous.to_block = block - 1
        deployment.eras.append(ContractEra(name, address, solidity_name, from_block=block))
