"""The world around the real protocol on the devnet: stakers depositing ETH for rETH and the
RPL market, walking by seed.

rETH is the real token: its supply is whatever the deposit pool minted. What the oDAO reports
about ETH is no longer invented here: it follows from the protocol's state and the simulated
beacon chain (`beacon_world`, `network_balances`). The RPL price walks one step a day, so every
correct watchtower computes the same value; the base fee walks too, so that fee rules that
follow it leave their mark.
"""

import random

ETHER = 10**18
GWEI = 10**9


class StakingWorld:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.rpl_price = 5 * ETHER // 1000

    def opening_deposit(self) -> int:
        """What stakers hold before history starts: enough that a day's deposits move the
        network's ETH by a few percent at most, as on mainnet (the balances bounds check)."""
        return 20_000 * ETHER

    def next_deposit(self) -> int:
        """ETH a staker deposits today (rETH is minted for it at the protocol's current rate)."""
        return self.rng.randint(50, 500) * ETHER

    def next_price(self) -> int:
        """Today's RPL price in wei of ETH (a step of at most 3% from yesterday's)."""
        self.rpl_price += self.rpl_price * self.rng.randint(-30_000, 30_000) // 1_000_000
        return self.rpl_price

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
