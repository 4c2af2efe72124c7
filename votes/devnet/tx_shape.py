"""How a watchtower shapes its transactions: fee fields and gas limit, per its profile.

These are exactly the traits that fingerprinting later reads back from the chain.
"""

from collections.abc import Callable

from votes.devnet.profiles import WatchtowerProfile
from votes.devnet.transactions import legacy_fees, type2_fees

GWEI = 10**9


class EstimateFailed(Exception):
    """eth_estimateGas reverted: the vote would fail (e.g. a late vote before Houston)."""


def fee_fields(profile: WatchtowerProfile, latest_base_fee: int) -> dict:
    fee = profile.fee
    rule = fee["rule"]
    if rule == "fixed":
        return type2_fees(int(fee["max_fee_gwei"] * GWEI), int(fee["priority_gwei"] * GWEI))
    if rule == "base_fee_times":
        priority = int(fee["priority_gwei"] * GWEI)
        return type2_fees(int(latest_base_fee * fee["factor"]) + priority, priority)
    if rule == "legacy_base_fee_plus":
        return legacy_fees(int(latest_base_fee * fee["factor"]) + int(fee["tip_gwei"] * GWEI))
    raise ValueError(f"unknown fee rule {rule!r} in profile {profile.name}")


def gas_limit(profile: WatchtowerProfile, estimate: Callable[[], int]) -> int | None:
    """The gas limit to send with, or None when the watchtower would give up on this vote."""
    rule = profile.gas_limit
    if rule["rule"] == "fixed":
        return int(rule["gas"])
    try:
        estimated = estimate()
    except EstimateFailed:
        fallback = rule.get("on_estimate_failure")
        return int(fallback) if fallback else None
    if rule["rule"] == "estimate_times":
        limit = int(estimated * rule["factor"])
    elif rule["rule"] == "estimate_plus":
        limit = estimated + int(rule["extra"])
    else:
        raise ValueError(f"unknown gas rule {rule['rule']!r} in profile {profile.name}")
    return min(limit, int(rule.get("cap", 30_000_000)))
