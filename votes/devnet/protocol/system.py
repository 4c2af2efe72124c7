"""The real protocol as deployed on one devnet: which address each name has, under which
release, and web3 contract objects with the ABI of that release.

The Saturn contracts are deployed (staged) before history starts, as mainnet's were before the
upgrade vote; `upgraded` says whether `RocketUpgradeOneDotFour.execute()` has run, which is what
re-points the names.
"""

from dataclasses import dataclass, field

from web3 import Web3

from votes.devnet.protocol import plans
from votes.devnet.protocol.contracts import ProtocolContracts

HOUSTON_TAG = "v1.3.1"
SATURN_TAG = "v1.4"


@dataclass
class ProtocolAddresses:
    """What a deployment step left: names to addresses (JSON-friendly, kept in devnet.json)."""

    rocket_storage: str
    houston: dict[str, str]
    saturn: dict[str, str] = field(default_factory=dict)
    upgraded_block: int | None = None

    @property
    def upgraded(self) -> bool:
        return self.upgraded_block is not None

    @property
    def saturn_upgrade(self) -> str:
        return self.saturn[plans.SATURN_UPGRADE_CONTRACT[0]]


class ProtocolSystem:
    """Contracts by storage name, as of now (before or after the Saturn upgrade)."""

    def __init__(self, w3: Web3, addresses: ProtocolAddresses):
        self.w3 = w3
        self.addresses = addresses
        self.contracts = ProtocolContracts(w3)

    def release(self, name: str) -> str:
        """Saturn's once upgraded; before, only what Saturn staged ahead (its upgrade contract)."""
        in_houston = name in self.addresses.houston or name == "rocketStorage"
        if name in self.addresses.saturn and (self.addresses.upgraded or not in_houston):
            return SATURN_TAG
        return HOUSTON_TAG

    def address(self, name: str) -> str:
        if self.release(name) == SATURN_TAG:
            return self.addresses.saturn[name]
        if name == "rocketStorage":
            return self.addresses.rocket_storage
        return self.addresses.houston[name]

    def artifact_name(self, name: str) -> str:
        if name == "rocketStorage":
            return "RocketStorage"
        if name == plans.SATURN_UPGRADE_CONTRACT[0]:
            return plans.SATURN_UPGRADE_CONTRACT[1]
        if self.release(name) == SATURN_TAG:
            return plans.saturn_artifact(name)
        return dict(plans.HOUSTON_CONTRACTS).get(name) or plans.saturn_artifact(name)

    def contract(self, name: str):
        """The contract a storage name points to now, with its release's ABI."""
        return self.contracts.at(self.release(name), self.artifact_name(name), self.address(name))

    def at(self, artifact: str, address: str, tag: str | None = None):
        """A contract that is no storage name (a minipool, a megapool) at `address`."""
        return self.contracts.at(tag or self.current_tag, artifact, address)

    @property
    def current_tag(self) -> str:
        return SATURN_TAG if self.addresses.upgraded else HOUSTON_TAG

    def encode(self, name: str, function: str, *args) -> tuple[str, str]:
        """(to, data) for calling `function` on the contract `name` points to now."""
        target = self.contract(name)
        return target.address, target.encode_abi(function, list(args))
