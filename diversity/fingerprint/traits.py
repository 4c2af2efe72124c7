"""What one submission says about the software that sent it, and how to sum it up per member.

Each trait is a small named function of one vote; a member's watchtower features aggregate
them over a window with medians, spreads and rates (see features.py), so that one odd
transaction does not move the member.
"""

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

GWEI = 10**9


@dataclass(frozen=True)
class Vote:
    """One submission, as plain values."""

    member_id: int
    round_id: int
    duty: str
    block_time: datetime
    tx_type: int
    nonce: int
    gas_limit: int
    gas_used: int
    fee_cap: int
    priority_fee: int | None
    base_fee: int | None
    calldata_size: int
    delay_seconds: int | None
    late: bool


# --- one submission -------------------------------------------------------------------------
def legacy(vote: Vote) -> float:
    return 1.0 if vote.tx_type == 0 else 0.0


def gas_ratio(vote: Vote) -> float:
    """Limit over use: 'estimate times 1.5' keeps it steady."""
    return vote.gas_limit / max(vote.gas_used, 1)


def gas_headroom(vote: Vote) -> float:
    """Limit minus use, in 100k gas: 'estimate plus 120k' keeps it steady."""
    return (vote.gas_limit - vote.gas_used) / 100_000


def log_gas_limit(vote: Vote) -> float:
    return math.log(vote.gas_limit)


def log_fee_cap(vote: Vote) -> float:
    """The most the sender would pay per gas (maxFeePerGas, or gasPrice for legacy)."""
    return math.log(max(vote.fee_cap, 1))


def fee_cap_over_base(vote: Vote) -> float | None:
    """A fee that follows the base fee keeps this ratio; a fixed fee does not."""
    if not vote.base_fee:
        return None
    return math.log(vote.fee_cap / vote.base_fee)


def tip(vote: Vote) -> float | None:
    """The priority fee in gwei (for legacy transactions, what the gas price leaves over)."""
    if vote.priority_fee is not None:
        paid = vote.priority_fee
    elif vote.base_fee is not None:
        paid = vote.fee_cap - vote.base_fee
    else:
        return None
    return math.log(max(paid, 0) / GWEI + 0.01)


def round_gwei(vote: Vote) -> float:
    return 1.0 if vote.fee_cap % GWEI == 0 else 0.0


def delay(vote: Vote) -> float | None:
    """Minutes after the round opened, in log: the finality wait and polling of the watchtower."""
    if vote.delay_seconds is None or vote.duty == "rewards":
        return None
    return math.log(max(vote.delay_seconds, 1) / 60)


def late(vote: Vote) -> float:
    return 1.0 if vote.late else 0.0


# --- aggregation ----------------------------------------------------------------------------
def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def spread(values: list[float]) -> float | None:
    """The interquartile range: zero for a constant choice, robust to a stray transaction."""
    if len(values) < 4:
        return None
    quartiles = statistics.quantiles(values, n=4)
    return quartiles[2] - quartiles[0]


def mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def over(trait: Callable[[Vote], float | None], aggregate: Callable[[list[float]], float | None]):
    def feature(votes: list[Vote]) -> float | None:
        return aggregate([value for value in map(trait, votes) if value is not None])

    return feature


def nonce_gap_rate(votes: list[Vote]) -> float | None:
    """How often the nonce skips between two votes: other transactions, or reverted votes."""
    nonces = sorted(vote.nonce for vote in votes)
    if len(nonces) < 2:
        return None
    return sum(1 for a, b in zip(nonces, nonces[1:], strict=False) if b - a > 1) / (len(nonces) - 1)


def steady(trait: Callable[[Vote], float | None]):
    """The share of votes within 1% of the member's usual value: 1 for a fixed choice."""

    def feature(votes: list[Vote]) -> float | None:
        values = [value for value in map(trait, votes) if value is not None]
        if not values:
            return None
        usual = statistics.median(values)
        return sum(1 for value in values if abs(value - usual) <= 0.01 * abs(usual)) / len(values)

    return feature


def gas_limit(vote: Vote) -> float:
    return float(vote.gas_limit)


def fee_cap(vote: Vote) -> float:
    return float(vote.fee_cap)


WATCHTOWER_FEATURES: dict[str, Callable[[list[Vote]], float | None]] = {
    "legacy_rate": over(legacy, mean),
    "gas_ratio": over(gas_ratio, median),
    "gas_headroom": over(gas_headroom, median),
    "gas_limit": over(log_gas_limit, median),
    "steady_gas_limit": steady(gas_limit),
    "steady_gas_ratio": steady(gas_ratio),
    "steady_gas_headroom": steady(gas_headroom),
    "fee_cap": over(log_fee_cap, median),
    "steady_fee_cap": steady(fee_cap),
    "fee_cap_over_base": over(fee_cap_over_base, median),
    "tip": over(tip, median),
    "round_gwei_rate": over(round_gwei, mean),
    "delay": over(delay, median),
    "delay_spread": over(delay, spread),
    "late_rate": over(late, mean),
    "nonce_gap_rate": nonce_gap_rate,
}


# The smallest difference in each feature that means something, rather than a missed round, a
# base-fee tick or one odd transaction: rates in whole tenths, logs in 5% steps, the calldata
# in bytes, the rewards delay in ten minutes (a watchtower that polls every 20-40 minutes blurs
# it by that much). The classifier never scales a feature below this.
RATE, LOG = 0.1, 0.05
RESOLUTION = {
    "legacy_rate": RATE, "gas_ratio": LOG, "gas_headroom": LOG, "gas_limit": LOG,
    "steady_gas_limit": RATE, "steady_gas_ratio": RATE, "steady_gas_headroom": RATE,
    "fee_cap": LOG, "steady_fee_cap": RATE, "fee_cap_over_base": LOG, "tip": LOG,
    "round_gwei_rate": RATE, "delay": LOG, "delay_spread": LOG, "late_rate": RATE,
    "nonce_gap_rate": RATE, "participation_balances": RATE, "participation_prices": RATE,
    "participation_scrub": RATE, "participation_rewards": RATE, "calldata_excess": 1.0,
    "rewards_excess": 10.0,
}  # fmt: skip

# The behaviour each watchtower feature shows: a release changes one or two of them (a fee rule,
# a gas rule), a different codebase many (classifier.RELEASE_CHANGES).
FEES, GAS, TIMING, DUTIES = "fees", "gas limit", "timing", "duties"
# The behaviours a release's settings fix: its fee and gas rules, a constant or a factor in its
# configuration, which releases change (smartnode changed its fee rule twice and its forced gas
# limit once). The others (scheduling, duties, late votes, nonces, calldata) are the structure
# of the code, which a release keeps and a new codebase brings with it (classifier.release_cost).
SETTINGS = frozenset({FEES, GAS})
BEHAVIOURS = {
    "legacy_rate": FEES, "fee_cap": FEES, "steady_fee_cap": FEES, "fee_cap_over_base": FEES,
    "tip": FEES, "round_gwei_rate": FEES, "gas_ratio": GAS, "gas_headroom": GAS, "gas_limit": GAS,
    "steady_gas_limit": GAS, "steady_gas_ratio": GAS, "steady_gas_headroom": GAS,
    "delay": TIMING, "delay_spread": TIMING, "late_rate": "late votes",
    "nonce_gap_rate": "nonces", "participation_balances": DUTIES, "participation_prices": DUTIES,
    "participation_scrub": DUTIES, "participation_rewards": DUTIES, "calldata_excess": "calldata",
}  # fmt: skip
