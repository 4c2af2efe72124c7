"""The reference for a balances round: what a correct watchtower should have submitted.

rETH supply is exact (the token's totalSupply at the round's block). Total and staking ETH come
from a beacon balance source when one is configured (`network_balances`); without one, or when
it cannot answer, they are unchecked and `Reference.unchecked` says why. Whatever the source,
the submitted values must satisfy staking <= total and move less than a configured fraction
since the previous round's consensus.
"""

from dataclasses import dataclass, field

from diversity.reference.sources import BeaconBalances, BeaconBalanceSource, eth_call_uint
from votes.chain.client import ChainClient

FIELDS = ("total_eth", "staking_eth", "reth_supply")
BEACON_FIELDS = ("total_eth", "staking_eth")


@dataclass
class Check:
    name: str
    passed: bool
    message: str


@dataclass
class Reference:
    """Reference values for a round (None where unknown) and the checks they came with."""

    values: dict[str, int | None]
    source: str
    checks: list[Check] = field(default_factory=list)
    unchecked: dict[str, str] = field(default_factory=dict)  # field -> why it has no value


def balances_reference(client: ChainClient, reth_token: str, source: BeaconBalanceSource | None,
                       block: int) -> Reference:  # fmt: skip
    reth = eth_call_uint(client, reth_token, "totalSupply()", block)
    if source is None:
        beacon = BeaconBalances(None, None, "no beacon node configured (--beacon or BEACON_URL)")
    else:
        beacon = source.balances_at(block)
    values = {"reth_supply": reth, "total_eth": beacon.total_eth,
              "staking_eth": beacon.staking_eth}  # fmt: skip
    unchecked = {f: beacon.unchecked or "no value" for f in BEACON_FIELDS if values[f] is None}
    if reth is None:
        unchecked["reth_supply"] = "the node could not answer rETH totalSupply()"
    used = ["rETH totalSupply()"] + ([source.name] if source else [])
    return Reference(values, " + ".join(used), unchecked=unchecked)


def bounds_checks(consensus: dict, previous: dict | None, change_limit: float) -> list[Check]:
    """Sanity bounds that need no source: staking <= total; a bounded move since last round."""
    total, staking = int(consensus["total_eth"]), int(consensus["staking_eth"])
    checks = [Check("staking <= total", staking <= total, f"staking {staking}, total {total}")]
    if previous:
        before = int(previous["total_eth"])
        change = abs(total - before) / before if before else 0.0
        checks.append(Check(
            "change since previous round", change <= change_limit,
            f"total ETH moved {change:.4%} (limit {change_limit:.2%})",
        ))  # fmt: skip
    return checks
