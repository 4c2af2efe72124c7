"""Which release of its implementation a member runs: the profiles' fee and gas rules, read back.

A release's profile fixes some features exactly, whatever the chain does: a fixed fee is the
fee cap, a priority fee is the tip, a fixed gas limit is the limit, "estimate times 1.5" the
ratio of limit to use, "estimate plus 120k" the headroom. A member whose window shows exactly
one release's values runs that release, even if nobody declared it. A release only a
declaration names (no profile) is recognised by resembling, in every behaviour, a member who
declared it. A member of a known implementation that matches none of its releases runs an
unrecognised release: still that implementation, and flagged.
"""

import math
from dataclasses import dataclass

from diversity.fingerprint.classifier import Prediction
from diversity.fingerprint.traits import GWEI, RESOLUTION
from diversity.models import Release

TOLERANCE = 2  # resolutions (traits.RESOLUTION) an observed feature may stray from its rule


def signature(behaviour: dict) -> dict[str, float]:
    """The features a release's fee and gas rules fix, whatever the base fee and the gas used."""
    traits = {}
    if "tx_type" in behaviour:
        traits["legacy_rate"] = 1.0 if behaviour["tx_type"] == 0 else 0.0
    fee = behaviour.get("fee", {})
    if fee.get("rule") == "fixed":
        traits["fee_cap"] = math.log(fee["max_fee_gwei"] * GWEI)
    if "priority_gwei" in fee:
        traits["tip"] = math.log(fee["priority_gwei"] + 0.01)
    gas = behaviour.get("gas_limit", {})
    if gas.get("rule") == "fixed":
        traits["gas_limit"] = math.log(gas["gas"])
    elif gas.get("rule") == "estimate_times":
        traits["gas_ratio"] = float(gas["factor"])
    elif gas.get("rule") == "estimate_plus":
        traits["gas_headroom"] = gas["extra"] / 100_000
    return traits


def matches(expected: dict[str, float], features: dict[str, float | None]) -> bool:
    """Every expected feature the window shows is within tolerance, and it shows one at least."""
    seen = [(name, value) for name, value in expected.items() if features.get(name) is not None]
    return bool(seen) and all(
        abs(features[name] - value) <= TOLERANCE * RESOLUTION[name] for name, value in seen
    )


@dataclass(frozen=True)
class ReleaseGuess:
    version: str | None
    unrecognised: bool  # a known implementation, in none of its known releases


class ReleaseCatalogue:
    """The known releases of every implementation of one kind, with their signatures."""

    def __init__(self, kind: str):
        rows = Release.objects.filter(implementation__kind=kind).select_related("implementation")
        self.rows = {(row.implementation.name, row.version): row for row in rows}
        self.signatures: dict[str, dict[str, dict[str, float]]] = {}
        for (name, version), row in self.rows.items():
            if expected := signature(row.behaviour):
                self.signatures.setdefault(name, {})[version] = expected

    def release(self, name: str | None, version: str | None) -> Release | None:
        return self.rows.get((name, version)) if name and version else None

    def guess(self, prediction: Prediction, features: dict[str, float | None]) -> ReleaseGuess:
        name = prediction.label
        if name is None:
            return ReleaseGuess(None, False)
        described = self.signatures.get(name, {})
        found = [version for version, expected in described.items() if matches(expected, features)]
        declared = (prediction.resembles or "").partition("@")[2]
        if len(found) == 1:
            return ReleaseGuess(found[0], False)
        if found:  # releases that differ only where the chain can't see: as far as it goes
            return ReleaseGuess(declared if declared in found else None, False)
        if declared and declared not in described and not prediction.changed:
            return ReleaseGuess(declared, False)
        return ReleaseGuess(None, bool(described or prediction.changed))
