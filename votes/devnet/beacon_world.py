"""The devnet's beacon chain, as the simulator moves it: the protocol's validators with their
balances and statuses, published by the local beacon-API server at the slots that matter.

Validators join when the simulator makes them: a vacant minipool brings its solo validator
(active long since, BLS credentials, rewards already earned); a megapool validator joins once
staked, with the 32 ETH deposited for it, active from the next epoch. Each day every active
validator earns a seeded reward. At every balances round the state at that block's slot is
recorded, so a watchtower (or towerwatch) asking the server about the round's slot sees what
the simulator computed its values from.
"""

import random
from dataclasses import dataclass

from votes.devnet.beacon_api_server import SimulatedBeaconChain, SimulatedValidator

GWEI_PER_ETH = 10**9
WEI_PER_GWEI = 10**9
DEPOSIT_GWEI = 32 * GWEI_PER_ETH
DAILY_REWARD_GWEI = (2_000_000, 3_000_000)  # ~0.0025 ETH a day, a validator's order of size
SOLO_EARNED_GWEI = (0, 2 * GWEI_PER_ETH)  # what a migrating solo validator earned before
BLS_CREDENTIALS = "0x00" + "11" * 31


@dataclass
class BeaconValidator:
    pubkey: str
    index: int
    balance_gwei: int
    activation_epoch: int
    credentials: str


class BeaconWorld:
    def __init__(self, chain: SimulatedBeaconChain, rng: random.Random):
        self.chain, self.rng = chain, rng
        self.validators: dict[str, BeaconValidator] = {}

    def epoch_at(self, timestamp: int) -> int:
        return self.chain.slot_at(timestamp) // self.chain.slots_per_epoch

    def add_solo(self, pubkey: bytes) -> None:
        """A vacant minipool's validator: a solo staker's, active since genesis."""
        earned = self.rng.randint(*SOLO_EARNED_GWEI)
        self._add(pubkey, DEPOSIT_GWEI + earned, 0, BLS_CREDENTIALS)

    def add_staked(self, pubkey: bytes, credentials: bytes, timestamp: int) -> None:
        """A validator whose 32 ETH were deposited at `timestamp`: active from the next epoch."""
        self._add(pubkey, DEPOSIT_GWEI, self.epoch_at(timestamp) + 1, "0x" + credentials.hex())

    def _add(self, pubkey: bytes, balance: int, activation: int, credentials: str) -> None:
        key = "0x" + pubkey.hex()
        self.validators[key] = BeaconValidator(key, len(self.validators), balance, activation,
                                               credentials)  # fmt: skip

    def next_day(self, timestamp: int) -> None:
        """A day of rewards for every validator active at `timestamp`."""
        epoch = self.epoch_at(timestamp)
        for validator in self.validators.values():
            if validator.activation_epoch <= epoch:
                validator.balance_gwei += self.rng.randint(*DAILY_REWARD_GWEI)

    def balance_wei(self, pubkey: bytes) -> int:
        return self.validators["0x" + pubkey.hex()].balance_gwei * WEI_PER_GWEI

    def record(self, timestamp: int) -> int:
        """The state at the slot of `timestamp`, for the server; returns the slot."""
        slot, epoch = self.chain.slot_at(timestamp), self.epoch_at(timestamp)
        self.chain.record(slot, [_snapshot(v, epoch) for v in self.validators.values()])
        return slot


def _snapshot(validator: BeaconValidator, epoch: int) -> SimulatedValidator:
    active = validator.activation_epoch <= epoch
    return SimulatedValidator(
        validator.pubkey,
        validator.index,
        validator.balance_gwei,
        status="active_ongoing" if active else "pending_queued",
        withdrawal_credentials=validator.credentials,
        activation_epoch=validator.activation_epoch,
    )
