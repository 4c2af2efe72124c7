"""The world around the real protocol on the devnet: stakers depositing ETH for rETH, the
beacon chain's rewards (the rETH exchange rate) and the RPL market.

rETH is the real token: its supply is whatever the deposit pool minted. What the oDAO reports
follows from it: total ETH = supply × rate, staking ETH a share of that. The rate and the RPL
price walk by seed, one step a day, so every correct watchtower computes the same values and
the reference check has exact ground truth. The base fee walks too, so that fee rules that
follow it leave their mark.
"""

import random
from dataclasses import dataclass

ETHER = 10**18
GWEI = 10**9
RATE_SCALE = 10**9


@dataclass
class WorldState:
    total_eth: int
    staking_eth: int
    reth_supply: int
    rpl_price: int


class StakingWorld:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.reth_rate_ppb = 1_100_000_000  # ETH per rETH, in parts per billion
        self.rpl_price = 5 * ETHER // 1000

    def next_deposit(self) -> int:
        """ETH a staker deposits today (rETH is minted for it at the protocol's current rate)."""
        return self.rng.randint(50, 500) * ETHER

    def next_day(self, reth_supply: int) -> WorldState:
        self.reth_rate_ppb += self.rng.randint(50, 150)
        self.rpl_price += self.rpl_price * self.rng.randint(-30_000, 30_000) // 1_000_000
        total = reth_supply * self.reth_rate_ppb // RATE_SCALE
        return WorldState(
            total_eth=total,
            staking_eth=total * self.rng.randint(930, 970) // 1000,
            reth_supply=reth_supply,
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
