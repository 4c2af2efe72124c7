"""The overview's status banner: how close any implementation is to controlling the vote.

The banner applies the alerts' own implementation-share rule (diversity/alerts/rules.py, with the
thresholds an admin set) to the shares the page shows, so it is current even between alert
evaluations and says the same thing the alerts say. It says what is certain first: its level and
colour come from the estimates; what only the upper bounds allow (members whose software is
unknown) follows as possibilities, at the level the alerts give them (one lower). The open
alerts are listed separately.
"""

from dataclasses import dataclass, field

from diversity.alerts.models import Certainty, Rule, Severity
from diversity.alerts.rules import (
    LEVEL_TITLES,
    check_params,
    configured_rules,
    implementation_share,
)
from diversity.alerts.situation import ShareEstimate, Situation
from diversity.views.mix import KindShares

LEVELS = ("unknown", "safe", "warning", "critical", "emergency")
TITLES = {
    "unknown": "Unknown: no implementation data yet",
    "safe": "Safe: no implementation is near half of the vote",
    "warning": "Warning: an implementation nears half of the vote",
    "critical": "Critical: an implementation holds half of the vote or more",
    "emergency": "Emergency: one implementation can finalise values alone",
}


@dataclass
class Status:
    level: str  # one of LEVELS, on the estimates: what is known
    possible_level: str = "safe"  # the worst possibility, already one level lower
    reasons: list[str] = field(default_factory=list)  # what is known, worst first
    possible: list[str] = field(default_factory=list)  # what only the upper bounds allow

    @property
    def title(self) -> str:
        return TITLES[self.level]

    @property
    def estimate_level(self) -> str:
        return self.level


def worse(a: str, b: str) -> str:
    return max(a, b, key=LEVELS.index)


def share_rule_params() -> dict:
    """The implementation-share thresholds in force (the defaults if an admin disabled it)."""
    return configured_rules().get(Rule.IMPLEMENTATION_SHARE) or check_params(
        Rule.IMPLEMENTATION_SHARE, {}
    )


def status_from_shares(network: str, shares: list[KindShares], params: dict) -> Status:
    """The share rule's verdict: the worst known level with a reason per implementation, then
    the possibilities (each already one level lower than the level its upper bound reaches)."""
    judged = [kind for kind in shares if kind.has_data]
    if not judged:
        return Status("unknown", "unknown", ["No member's implementation is declared or inferred."])
    estimates = [
        ShareEstimate(row.implementation, kind.kind, row.share, row.lower, row.upper)
        for kind in judged
        for row in kind.rows
    ]
    situation = Situation(network, now=None, threshold=judged[0].threshold, shares=estimates)
    status, known, possible = Status("safe"), [], []
    for condition in implementation_share(situation, params):
        details = condition.details
        if details["known"] is not None:
            status.level = worse(status.level, details["known"])
            title = LEVEL_TITLES[details["known"]]
            reason = title.format(impl=details["implementation"], kind=details["kind"])
            known.append((Severity.rank(details["known"]), reason))
        if condition.certainty == Certainty.POSSIBLE:
            status.possible_level = worse(status.possible_level, condition.severity)
            possible.append((Severity.rank(condition.severity), condition.title))
    status.reasons = [reason for _, reason in sorted(known, key=lambda r: -r[0])]
    status.possible = [reason for _, reason in sorted(possible, key=lambda r: -r[0])]
    return status
