"""The simulated outside world: protocol ETH, rETH supply, RPL price and the base fee.

It evolves by a seeded random walk, one step a day, so that every correct watchtower computes
the same values and the reference check has exact ground truth.
"""

import random
from dataclasses import dataclass

ETHER = 10**18
GWEI = 10**9


@dataclass
class WorldState:
    total_eth: int
    staking_eth: int
    reth_supply: int
    rpl_price: int


class World:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.total_eth = 400_000 * ETHER
        self.reth_rate_ppb = 1_100_000_000  # ETH per rETH, in parts per billion
        self.rpl_price = 5 * ETHER // 1000

    def next_day(self) -> WorldState:
        self.total_eth += self.total_eth * self.rng.randint(-500, 1500) // 1_000_000
        self.reth_rate_ppb += self.rng.randint(50, 150)
        self.rpl_price += self.rpl_price * self.rng.randint(-30_000, 30_000) // 1_000_000
        staking = self.total_eth * self.rng.randint(930, 970) // 1000
        return WorldState(
            total_eth=self.total_eth,
            staking_eth=staking,
            reth_supply=self.total_eth * 1_000_000_000 // self.reth_rate_ppb,
            rpl_price=self.rpl_price,
        )

    def next_base_fee(self, latest: int) -> int:
        """The next block's base fee: within 10% of the latest, as EIP-1559 allows, walking
        randomly inside 3..25 gwei (and back into that band when it starts outside it)."""
        if latest < 3 * GWEI:
            step = 0.1
        elif latest > 25 * GWEI:
            step = -0.1
        else:
            step = self.rng.uniform(-0.1, 0.1)
        return max(1, int(latest * (1 + step)))
