"""The simulator's hold on the devnet clock: every block is mined explicitly, at a chosen
timestamp and base fee, so a seed fixes the whole history down to the block times."""

from dataclasses import dataclass

from web3 import Web3

from votes.devnet.beacon_api_server import SimulatedBeaconChain

SLOT_SECONDS = 12


@dataclass
class MinedBlock:
    number: int
    timestamp: int
    base_fee: int
    tx_hashes: list[str]


class DevnetChain:
    def __init__(self, w3: Web3):
        self.w3 = w3
        self.rpc("evm_setAutomine", [False])
        latest = w3.eth.get_block("latest")
        self.timestamp = latest["timestamp"]
        self.base_fee = latest.get("baseFeePerGas", 10**9)
        self.beacon: SimulatedBeaconChain | None = None  # its beacon chain, once served

    def rpc(self, method: str, params: list):
        response = self.w3.provider.make_request(method, params)
        if "error" in response:
            raise RuntimeError(f"{method} failed: {response['error']}")
        return response.get("result")

    def next_slot(self) -> int:
        return self.timestamp + SLOT_SECONDS

    def mine(self, timestamp: int | None = None, base_fee: int | None = None) -> MinedBlock:
        """Mine one block with every pending transaction; refuses to move time backwards. The
        block is read raw: once a block, web3's result formatters cost more than anvil's answer."""
        timestamp = max(timestamp or self.next_slot(), self.timestamp + 1)
        if base_fee is not None:
            self.rpc("anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
        self.rpc("evm_mine", [timestamp])
        block = self.rpc("eth_getBlockByNumber", ["latest", False])
        mined = MinedBlock(
            number=int(block["number"], 16),
            timestamp=int(block["timestamp"], 16),
            base_fee=int(block["baseFeePerGas"], 16),
            tx_hashes=block["transactions"],
        )
        if mined.timestamp != timestamp:
            raise RuntimeError(f"anvil mined at {mined.timestamp}, asked for {timestamp}")
        self.timestamp, self.base_fee = timestamp, mined.base_fee
        return mined

    def release(self) -> None:
        """Hand the chain back to anvil's automine (for an interactive devnet)."""
        self.rpc("evm_setAutomine", [True])
