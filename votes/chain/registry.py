"""Every address each oDAO contract name has had, found through RocketStorage alone.

Mainnet's big upgrades re-pointed names without an event, so the history is read from state:
`getAddress(name)` at two blocks; where it differs, bisect to the block it changed. That costs
O(changes × log(blocks)) calls and works on any archive node, the devnet included.
"""

from dataclasses import dataclass

from eth_utils import to_checksum_address

from votes.chain.client import ChainClient, RpcError
from votes.chain.storage_keys import contract_address_key

ZERO = "0x0000000000000000000000000000000000000000"


@dataclass
class Era:
    name: str
    address: str
    from_block: int
    to_block: int | None


def address_at(client: ChainClient, storage: str, name: str, block: int) -> str:
    key = contract_address_key(name)
    (address,) = client.view(storage, "getAddress(bytes32)", [key], ("address",), block)
    return to_checksum_address(address)


def contract_version(client: ChainClient, address: str) -> int | None:
    """RocketBase's `version()`, or None for a contract without one.

    A node that failed to answer is no answer: that error propagates, because the version picks
    the layout of colliding events (prices v1.0 / v1.3) and a guess would mislabel values."""
    try:
        return client.view(address, "version()", returns=("uint8",))[0]
    except RpcError as error:
        if error.retryable:
            raise
        return None
    except (ValueError, TypeError):
        return None


def change_points(client, storage, name, low: int, high: int, low_addr: str, high_addr: str):
    """Blocks in (low, high] where the name's address changed, with the new address."""
    if low_addr == high_addr:
        return []
    if high - low == 1:
        return [(high, high_addr)]
    middle = (low + high) // 2
    mid_addr = address_at(client, storage, name, middle)
    return change_points(client, storage, name, low, middle, low_addr, mid_addr) + change_points(
        client, storage, name, middle, high, mid_addr, high_addr
    )


def discover_eras(client: ChainClient, storage: str, name: str, low: int, high: int,
                  current: Era | None) -> list[Era]:  # fmt: skip
    """Eras of `name` from block `low` to `high`, continuing `current` (the open era, if any)."""
    low_addr = current.address if current else address_at(client, storage, name, low)
    high_addr = address_at(client, storage, name, high)
    eras = [current] if current else []
    if not current and low_addr != ZERO:
        eras.append(Era(name, low_addr, low, None))
    for block, address in change_points(client, storage, name, low, high, low_addr, high_addr):
        if eras:
            eras[-1].to_block = block - 1
        if address != ZERO:
            eras.append(Era(name, address, block, None))
    return eras
