"""The indexer's view of the contract registry for one pass: addresses, eras, versions."""

from eth_utils import to_checksum_address

from votes.chain.client import ChainClient
from votes.chain.registry import contract_version


class RegistryView:
    def __init__(self, client: ChainClient, eras: list):
        """`eras`: objects with name, address, from_block, to_block, version."""
        self.client = client
        self.eras = eras
        self._minipools: dict[str, bool] = {}

    def addresses(self) -> list[str]:
        return sorted({era.address for era in self.eras})

    def live_at(self, address: str, block: int) -> bool:
        return any(
            era.address == address and era.from_block <= block
            and (era.to_block is None or block <= era.to_block)
            for era in self.eras
        )  # fmt: skip

    def version_of(self, address: str) -> int | None:
        for era in self.eras:
            if era.address.lower() == str(address).lower():
                if era.version is None:
                    era.version = contract_version(self.client, era.address)
                return era.version
        return None

    def current(self, name: str) -> str | None:
        open_eras = [e for e in self.eras if e.name == name and e.to_block is None]
        return open_eras[-1].address if open_eras else None

    def is_minipool(self, address: str) -> bool:
        """Asks the current minipool manager; cached, since a minipool stays one."""
        address = to_checksum_address(address)
        if address not in self._minipools:
            manager = self.current("rocketMinipoolManager")
            self._minipools[address] = bool(manager) and self._manager_knows(manager, address)
        return self._minipools[address]

    def _manager_knows(self, manager: str, address: str) -> bool:
        """An RPC failure propagates: a flaky node must not turn a real vote into a bad log."""
        (exists,) = self.client.view(manager, "getMinipoolExists(address)", [address], ("bool",))
        return bool(exists)
