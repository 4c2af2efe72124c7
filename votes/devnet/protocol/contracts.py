"""web3 contract objects for the real protocol's artifacts, by release and contract name."""

from functools import lru_cache

from web3 import Web3

from votes.devnet.protocol.build import load_release


class ProtocolContracts:
    """The compiled releases, as ABIs, deployable factories and bound contracts."""

    def __init__(self, w3: Web3):
        self.w3 = w3

    def artifact(self, tag: str, name: str) -> dict:
        artifacts = load_release(tag)
        if name not in artifacts:
            raise KeyError(f"Rocket Pool {tag} has no contract {name}")
        return artifacts[name]

    def abi(self, tag: str, name: str) -> list:
        return self.artifact(tag, name)["abi"]

    def factory(self, tag: str, name: str):
        artifact = self.artifact(tag, name)
        return self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])

    def at(self, tag: str, name: str, address: str):
        return _bound(self.w3, tag, name, Web3.to_checksum_address(address))


@lru_cache(maxsize=1024)
def _bound(w3: Web3, tag: str, name: str, address: str):
    """Cached: building a contract object parses its ABI, and the simulator asks often."""
    return w3.eth.contract(address=address, abi=load_release(tag)[name]["abi"])
