"""Every address each oDAO contract name has had, found through RocketStorage alone.

Mainnet's big upgrades re-pointed names without an event, so the history is read from state:
`getAddress(name)` at two blocks; where it differs, bisect to the block it changed. That costs
O(changes × log(blocks)) calls, in ~log(blocks) batches for all names together, and works on any
archive node, the devnet included.
"""

from dataclasses import dataclass
from typing import NamedTuple

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

from votes.chain.client import ChainClient, RpcError, encode_call
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


def addresses_at(client: ChainClient, storage: str, asked: list[tuple[str, int]]) -> list[str]:
    """`address_at` for many (name, block) pairs, in JSON-RPC batches."""
    calls = [("eth_call", [{"to": storage, "data": encode_call("getAddress(bytes32)",
                                                              [contract_address_key(name)])},
                           hex(block)]) for name, block in asked]  # fmt: skip
    return [to_checksum_address(abi_decode(["address"], bytes.fromhex(raw[2:]))[0])
            for raw in client.batch_calls(calls)]  # fmt: skip


class Interval(NamedTuple):
    """Blocks (low, high] of one name, with its address at both ends."""

    name: str
    low: int
    high: int
    low_address: str
    high_address: str


def change_points(client: ChainClient, storage: str,
                  intervals: list[Interval]) -> dict[str, list[tuple[int, str]]]:  # fmt: skip
    """{name: [(block, new address)]}: the blocks inside the intervals where a name's address
    changed. Every interval is bisected at once, one batch of midpoints a round, so a pass
    costs ~log2(blocks) round trips however many names and changes there are."""
    found: dict[str, list[tuple[int, str]]] = {i.name: [] for i in intervals}
    while intervals := [i for i in intervals if i.low_address != i.high_address]:
        for interval in (i for i in intervals if i.high - i.low == 1):
            found[interval.name].append((interval.high, interval.high_address))
        halved = [i for i in intervals if i.high - i.low > 1]
        middles = [(i.name, (i.low + i.high) // 2) for i in halved]
        addresses = addresses_at(client, storage, middles)
        intervals = []
        for i, (_, middle), address in zip(halved, middles, addresses, strict=True):
            intervals += [i._replace(high=middle, high_address=address),
                          i._replace(low=middle, low_address=address)]  # fmt: skip
    return {name: sorted(points) for name, points in found.items()}


def discover_all_eras(client: ChainClient, storage: str, currents: dict[str, Era | None],
                      low: int, high: int) -> dict[str, list[Era]]:  # fmt: skip
    """Eras of each name from block `low` to `high`, continuing its `current` (open) era."""
    names = list(currents)
    asked = [(n, high) for n in names] + [(n, low) for n in names if currents[n] is None]
    read = dict(zip(asked, addresses_at(client, storage, asked), strict=True))
    low_addrs = {n: currents[n].address if currents[n] else read[(n, low)] for n in names}
    intervals = [Interval(n, low, high, low_addrs[n], read[(n, high)]) for n in names]
    points = change_points(client, storage, intervals)
    eras = {}
    for name in names:
        current = currents[name]
        eras[name] = [current] if current else []
        if not current and low_addrs[name] != ZERO:
            eras[name].append(Era(name, low_addrs[name], low, None))
        for block, address in points[name]:
            if eras[name]:
                eras[name][-1].to_block = block - 1
            if address != ZERO:
                eras[name].append(Era(name, address, block, None))
    return eras


def discover_eras(client: ChainClient, storage: str, name: str, low: int, high: int,
                  current: Era | None) -> list[Era]:  # fmt: skip
    """Eras of `name` from block `low` to `high`, continuing `current` (the open era, if any)."""
    return discover_all_eras(client, storage, {name: current}, low, high)[name]
