"""Alert rules: each a small function from what towerwatch knows now to the conditions that hold.

A rule returns a list of `Condition`s, each with a stable `key` (the same condition found again
has the same key, which is how the lifecycle deduplicates), or None when it cannot judge now (no
share data, no node): None leaves its open alerts as they are, because "resolved" must mean the
condition was seen to clear, not that we stopped looking. Thresholds are parameters with the
defaults below; an admin overrides them per rule (RuleSetting).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from diversity.alerts import vote_rules
from diversity.alerts.situation import Condition, ShareEstimate, Situation
from diversity.models.alerts import Rule, RuleSetting, Severity

log = logging.getLogger(__name__)
__all__ = ["RULES", "Condition", "ShareEstimate", "Situation", "check_params", "evaluate_rules"]

LEVEL_TITLES = {
    Severity.WARNING: "{impl} nears half of the {kind} vote",
    Severity.CRITICAL: "{impl} holds half of the {kind} vote",
    Severity.EMERGENCY: "{impl} can finalise {kind} votes alone",
}


def implementation_share(situation: Situation, params: dict) -> list[Condition] | None:
    """An implementation's share of members at or above each level, on the estimate or, when
    members of unknown software could push it there, on the upper bound (the message says
    which). Levels are cumulative: at 60% the warning, critical and emergency all hold."""
    if situation.shares is None:
        return None
    emergency = params["emergency"] if params["emergency"] is not None else situation.threshold
    levels = [
        (Severity.WARNING, params["warning"]),
        (Severity.CRITICAL, params["critical"]),
        (Severity.EMERGENCY, emergency),
    ]
    conditions = []
    for share in situation.shares:
        for severity, level in levels:
            basis = "estimate" if share.estimate >= level else "upper bound"
            if share.upper < level:
                continue
            conditions.append(_share_condition(share, severity, level, basis, situation))
    return conditions


def _share_condition(
    share: ShareEstimate, severity: str, level: float, basis: str, situation: Situation
) -> Condition:
    title = LEVEL_TITLES[severity].format(impl=share.implementation, kind=share.kind)
    if basis == "upper bound":
        title = f"{title} (possibly: upper bound)"
    lines = [
        f"{share.implementation} runs on {share.estimate:.1%} of oDAO members as {share.kind} "
        f"(bounds {share.lower:.1%} to {share.upper:.1%}).",
        f"The {basis} of its share is at or above the {severity} level of {level:.1%}.",
    ]
    if basis == "upper bound":
        lines.append("Members whose software is unknown could bring it there.")
    if severity == Severity.EMERGENCY:
        lines.append(
            f"At the consensus threshold ({situation.threshold:.1%}) its members alone can "
            "finalise a value: a bug in it would reach the chain unopposed."
        )
    return Condition(
        rule=Rule.IMPLEMENTATION_SHARE,
        key=f"share:{share.kind}:{share.implementation}:{severity}",
        severity=severity,
        title=title,
        message=" ".join(lines),
        details={
            "implementation": share.implementation,
            "kind": share.kind,
            "estimate": share.estimate,
            "lower": share.lower,
            "upper": share.upper,
            "level": level,
            "basis": basis,
        },
    )


def indexer_lag(situation: Situation, params: dict) -> list[Condition] | None:
    if situation.head is None:
        return None
    indexed = situation.indexed_block
    behind = situation.head - (indexed if indexed is not None else situation.start_block)
    if behind <= params["max_blocks"]:
        return []
    where = f"block {indexed}" if indexed is not None else "nothing indexed yet"
    return [
        Condition(
            rule=Rule.INDEXER_LAG,
            key=f"indexer_lag:{situation.network}",
            severity=Severity.WARNING,
            title=f"The {situation.network} indexer is {behind} blocks behind the chain head",
            message=f"Head is block {situation.head}, the index is at {where}: rounds and alerts "
            f"lag by about {behind * 12 // 60} minutes.",
            details={"head": situation.head, "indexed": indexed, "behind": behind},
        )
    ]


def node_unreachable(situation: Situation, params: dict) -> list[Condition] | None:
    if situation.head is not None:
        return []
    return [
        Condition(
            rule=Rule.NODE_UNREACHABLE,
            key=f"node_unreachable:{situation.network}",
            severity=Severity.CRITICAL,
            title=f"The {situation.network} node does not answer",
            message=f"Asking the node for the chain head failed: {situation.head_error}. Nothing "
            "new is indexed until it answers.",
            details={"error": situation.head_error},
        )
    ]


@dataclass(frozen=True)
class RuleSpec:
    check: Callable[[Situation, dict], list[Condition] | None]
    defaults: dict = field(default_factory=dict)


BALLOT_DUTIES = ["balances", "prices", "rewards", "scrub"]
RULES: dict[str, RuleSpec] = {
    Rule.IMPLEMENTATION_SHARE: RuleSpec(
        implementation_share, {"warning": 0.40, "critical": 0.50, "emergency": None}
    ),
    Rule.MEMBER_DISAGREES: RuleSpec(
        vote_rules.member_disagrees, {"duties": BALLOT_DUTIES, "lookback_days": 7}
    ),
    Rule.IMPLEMENTATION_DISAGREES: RuleSpec(
        vote_rules.implementation_disagrees, {"duties": BALLOT_DUTIES}
    ),
    Rule.CONSENSUS_WRONG: RuleSpec(vote_rules.consensus_wrong, {"duties": BALLOT_DUTIES}),
    Rule.CONSENSUS_LATE: RuleSpec(
        vote_rules.consensus_late, {"minutes": 60, "duties": ["balances", "prices", "rewards"]}
    ),
    Rule.MISSED_ROUNDS: RuleSpec(
        vote_rules.missed_rounds,
        {"rounds": 3, "duties": ["balances", "prices"], "grace_minutes": 120},
    ),
    Rule.INDEXER_LAG: RuleSpec(indexer_lag, {"max_blocks": 50}),
    Rule.NODE_UNREACHABLE: RuleSpec(node_unreachable),
}


def check_params(rule: str, params: dict) -> dict:
    """The rule's parameters with `params` over the defaults; ValueError names a bad one.
    (`emergency` defaults to None, meaning the consensus threshold read from the chain.)"""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    defaults = RULES[rule].defaults
    if not isinstance(params, dict):
        raise ValueError("parameters must be a JSON object")
    for name, value in params.items():
        if name not in defaults:
            raise ValueError(f"{rule} has no parameter {name!r} (known: {sorted(defaults)})")
        default = defaults[name]
        if isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{name} must be a list of names")
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{name} must be a number")
        elif value is None and default is not None:
            raise ValueError(f"{name} needs a value")
        elif isinstance(value, int | float) and value < 0:
            raise ValueError(f"{name} must not be negative")
    return {**defaults, **params}


def configured_rules() -> dict[str, dict]:
    """Enabled rules and their effective parameters."""
    settings = {row.rule: row for row in RuleSetting.objects.all()}
    enabled = {}
    for rule in RULES:
        row = settings.get(rule)
        if row is None or row.enabled:
            enabled[rule] = check_params(rule, row.params if row else {})
    return enabled


def evaluate_rules(
    situation: Situation, rules: dict[str, dict] | None = None
) -> tuple[list[Condition], set[str]]:
    """Every condition that holds, and the rules that could judge (their silence is a verdict)."""
    conditions: list[Condition] = []
    judged: set[str] = set()
    for rule, params in (rules if rules is not None else configured_rules()).items():
        try:
            found = RULES[rule].check(situation, params)
        except Exception:  # one broken rule must not silence the others
            log.exception("alert rule %s failed on %s", rule, situation.network)
            continue
        if found is not None:
            judged.add(rule)
            conditions.extend(found)
    return conditions, judged
