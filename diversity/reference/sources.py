"""Where reference values come from, at a given block.

Every source answers for one block or says it can't (None): a reference that cannot be
computed is reported as unchecked, never guessed.

- rETH supply: the rETH token's totalSupply() at the round's block (exact, every network).
- Protocol ETH (total, staking): a `BeaconBalanceSource`, on every network running the real
  protocol (the devnet included) `network_balances.ProtocolBalanceSource`: the protocol's
  validators enumerated from execution-layer state, their balances and statuses from a beacon
  node's standard API (`beacon_api`), the protocol's own views for each term. Without a beacon
  node there is no source, and both fields are unchecked, with that reason.
- RPL price: a `PriceSource`. On the devnet, DevnetWorld.rplPrice(); on mainnet, the 12-hour
  Uniswap v3 TWAP of the RPL/ETH pool 0xe42318ea3b998e8355a3da364eb9d48ec725eb45 that the
  stock watchtower uses (observe([43200, 0]) at the block; see `twap_price_from_ticks`).
"""

from dataclasses import dataclass
from decimal import Decimal, getcontext
from typing import Protocol

from votes.chain.client import ChainClient, RpcError

UNISWAP_RPL_ETH_POOL = "0xe42318ea3b998e8355a3da364eb9d48ec725eb45"
TWAP_SECONDS = 12 * 3600


@dataclass(frozen=True)
class BeaconBalances:
    """Total and staking ETH at a block, or None for both and why (`unchecked`)."""

    total_eth: int | None
    staking_eth: int | None
    unchecked: str | None = None


class BeaconBalanceSource(Protocol):
    name: str

    def balances_at(self, block: int) -> BeaconBalances: ...


class PriceSource(Protocol):
    name: str

    def rpl_price_at(self, block: int) -> int | None: ...


def eth_call_uint(client: ChainClient, to: str, signature: str, block: int, args=()) -> int | None:
    """A uint256-returning view at a block, or None when the node can't answer it."""
    try:
        return client.view(to, signature, args, block=block)[0]
    except (RpcError, ValueError, TypeError):
        return None


class DevnetWorldSource:
    """The devnet's RPL market: the price the simulator moved (balances come from the beacon)."""

    name = "devnet world contract"

    def __init__(self, client: ChainClient, world_address: str):
        self.client = client
        self.world = world_address

    def rpl_price_at(self, block: int) -> int | None:
        return eth_call_uint(self.client, self.world, "rplPrice()", block)


def twap_price_from_ticks(tick_cumulative_start: int, tick_cumulative_end: int,
                          seconds: int = TWAP_SECONDS) -> int:  # fmt: skip
    """RPL price in wei of ETH from a Uniswap v3 observe() pair on the RPL/WETH pool.

    token0 is WETH (0xC02a… < 0xD335…), so 1.0001^tick is RPL per WETH and the price of RPL in
    ETH is its inverse. Uniswap rounds the mean tick toward negative infinity.
    """
    delta = tick_cumulative_end - tick_cumulative_start
    mean_tick = delta // seconds
    getcontext().prec = 60
    rpl_per_eth = Decimal("1.0001") ** mean_tick
    return int(Decimal(10**18) / rpl_per_eth)


class UniswapTwapPriceSource:
    """Mainnet: the 12-hour TWAP of the RPL/WETH Uniswap v3 pool, as the stock watchtower uses."""

    name = "Uniswap v3 RPL/ETH 12h TWAP"

    def __init__(self, client: ChainClient, pool: str = UNISWAP_RPL_ETH_POOL):
        self.client = client
        self.pool = pool

    def rpl_price_at(self, block: int) -> int | None:
        try:
            ticks, _ = self.client.view(self.pool, "observe(uint32[])", [[TWAP_SECONDS, 0]],
                                        ("int56[]", "uint160[]"), block)  # fmt: skip
        except (RpcError, ValueError, TypeError):
            return None
        return twap_price_from_ticks(ticks[0], ticks[1])
