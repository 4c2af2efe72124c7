"""The overview's status banner: how close any implementation is to controlling the vote.

INTEGRATION(alerts): the alerts module owns the rules and their thresholds; once it exists the
banner shows the most severe open alert instead. Until then `status_from_shares` applies the
same default rules to the current shares, on the estimate and on the upper bound.
"""

from dataclasses import dataclass, field

from diversity.views.mix import KindShares

WARNING_SHARE = 0.40
CRITICAL_SHARE = 0.50
LEVELS = ("unknown", "safe", "warning", "critical", "emergency")


@dataclass
class Status:
    level: str  # one of LEVELS, on the upper bounds as well as the estimates
    estimate_level: str  # on the estimates alone
    reasons: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES[self.level]

    @property
    def only_possible(self) -> bool:
        """The level comes from the upper bounds: unknown members could make it real."""
        return self.level != self.estimate_level


TITLES = {
    "unknown": "Unknown: no implementation data yet",
    "safe": "Safe: no implementation is near half of the vote",
    "warning": "Warning: an implementation nears half of the vote",
    "critical": "Critical: an implementation holds half of the vote or more",
    "emergency": "Emergency: one implementation can finalise values alone",
}


def level_of(share: float, threshold: float) -> str:
    if share >= threshold:
        return "emergency"
    if share >= CRITICAL_SHARE:
        return "critical"
    if share >= WARNING_SHARE:
        return "warning"
    return "safe"


def worse(a: str, b: str) -> str:
    return max(a, b, key=LEVELS.index)


def status_from_shares(shares: list[KindShares]) -> Status:
    """The worst level over both kinds, on each implementation's estimate and upper bound."""
    if not any(kind.has_data for kind in shares):
        return Status("unknown", "unknown", ["No member's implementation is declared or inferred."])
    status = Status("safe", "safe")
    for kind in shares:
        for row in kind.rows:
            estimate = level_of(row.share, kind.threshold)
            upper = level_of(row.upper, kind.threshold)
            status.estimate_level = worse(status.estimate_level, estimate)
            status.level = worse(status.level, upper)
            if estimate != "safe":
                status.reasons.append(
                    f"{row.implementation} ({kind.kind}) holds {row.share:.0%} of members"
                )
            if upper != estimate:
                status.reasons.append(
                    f"{row.implementation} ({kind.kind}) could hold {row.upper:.0%} "
                    f"if every unknown member ran it"
                )
    return status
