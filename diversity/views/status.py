"""The overview's status banner: how close any implementation is to controlling the vote.

The banner applies the alerts' own implementation-share rule (diversity/alerts/rules.py, with the
thresholds an admin set) to the shares the page shows, so it is current even between alert
evaluations and says the same thing the alerts say. The open alerts are listed separately.
"""

from dataclasses import dataclass, field

from diversity.alerts.rules import check_params, configured_rules, implementation_share
from diversity.alerts.situation import ShareEstimate, Situation
from diversity.models.alerts import Rule, Severity
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


def worse(a: str, b: str) -> str:
    return max(a, b, key=LEVELS.index)


def share_rule_params() -> dict:
    """The implementation-share thresholds in force (the defaults if an admin disabled it)."""
    return configured_rules().get(Rule.IMPLEMENTATION_SHARE) or check_params(
        Rule.IMPLEMENTATION_SHARE, {}
    )


def status_from_shares(network: str, shares: list[KindShares], params: dict) -> Status:
    """The worst severity the share rule finds, and on the estimates alone; a reason per
    implementation, at its worst level."""
    judged = [kind for kind in shares if kind.has_data]
    if not judged:
        return Status("unknown", "unknown", ["No member's implementation is declared or inferred."])
    estimates = [
        ShareEstimate(row.implementation, kind.kind, row.share, row.lower, row.upper)
        for kind in judged
        for row in kind.rows
    ]
    situation = Situation(network, now=None, threshold=judged[0].threshold, shares=estimates)
    status, worst = Status("safe", "safe"), {}
    for condition in implementation_share(situation, params):
        status.level = worse(status.level, condition.severity)
        if condition.details["basis"] == "estimate":
            status.estimate_level = worse(status.estimate_level, condition.severity)
        subject = (condition.details["kind"], condition.details["implementation"])
        if subject not in worst or Severity.rank(condition.severity) > Severity.rank(
            worst[subject].severity
        ):
            worst[subject] = condition
    status.reasons = [condition.title for condition in worst.values()]
    return status
