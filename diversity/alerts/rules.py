"""Alert rules: each a small function from what towerwatch knows now to the conditions that hold.

A rule returns a list of `Condition`s, each with a stable `key` naming the condition and its
subject, never its level (the same condition found again has the same key at any severity, which
is how the lifecycle keeps one alert per condition and moves it along the ladder), and a
severity and certainty for now; or None when it cannot judge now (no share data, no node): None
leaves its open alerts as they are, because "resolved" must mean the condition was seen to
clear, not that we stopped looking. Thresholds are parameters with the defaults below; an admin
overrides them per rule (RuleSetting).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from diversity.alerts import vote_rules
from diversity.alerts.models import Certainty, Rule, RuleSetting, Severity
from diversity.alerts.situation import Condition, ShareEstimate, Situation

log = logging.getLogger(__name__)
__all__ = ["RULES", "Condition", "ShareEstimate", "Situation", "check_params", "evaluate_rules"]

LEVEL_TITLES = {
    Severity.WARNING: "{impl} nears half of the {kind} vote",
    Severity.CRITICAL: "{impl} holds half of the {kind} vote",
    Severity.EMERGENCY: "{impl} can finalise {kind} votes alone",
}
POSSIBLE_TITLES = {
    Severity.WARNING: "{impl} could near half of the {kind} vote",
    Severity.CRITICAL: "{impl} could hold half of the {kind} vote",
    Severity.EMERGENCY: "{impl} could finalise {kind} votes alone",
}
UNSETTLED_NAMES = 8


def share_ladder(params: dict, threshold: float) -> list[tuple[str, float]]:
    """(severity, share at which it starts), lowest first; emergency defaults to the chain's
    consensus threshold."""
    emergency = params["emergency"] if params["emergency"] is not None else threshold
    return [
        (Severity.WARNING, params["warning"]),
        (Severity.CRITICAL, params["critical"]),
        (Severity.EMERGENCY, emergency),
    ]


def level_of(share: float, ladder: list[tuple[str, float]]) -> tuple[str, float] | None:
    """The highest rung `share` reaches, with its threshold, or None below the first."""
    reached = [(severity, level) for severity, level in ladder if share >= level]
    return reached[-1] if reached else None


def implementation_share(situation: Situation, params: dict) -> list[Condition] | None:
    """One condition per implementation and kind whose share reaches the ladder, at the level
    its estimate reaches. When only the upper bound (members of unknown or low-confidence
    software counted for it) reaches a level, the condition is *possible* and sits one level
    lower, so a possibility is never an emergency, and a possible warning is no alert at all
    (the shares' bounds show it); it wins over the estimate's level only when it is still
    higher after that step down."""
    if situation.shares is None:
        return None
    ladder = share_ladder(params, situation.threshold)
    conditions = []
    for share in situation.shares:
        reach = level_of(share.upper, ladder)
        if reach is None:
            continue
        known = level_of(share.estimate, ladder)
        possible = Severity.below(reach[0])
        if known is not None and Severity.rank(known[0]) >= Severity.rank(possible):
            conditions.append(_share_condition(share, known, reach, situation))
        elif possible != Severity.INFO:
            conditions.append(_possible_share_condition(share, known, reach, situation))
    return conditions


def _bounds(share: ShareEstimate) -> str:
    return (
        f"{share.implementation} runs on {share.estimate:.1%} of oDAO members as {share.kind} "
        f"(bounds {share.lower:.1%} to {share.upper:.1%})."
    )


def _details(share: ShareEstimate, known, reach, basis: str, level: float) -> dict:
    return {
        "implementation": share.implementation,
        "kind": share.kind,
        "estimate": share.estimate,
        "lower": share.lower,
        "upper": share.upper,
        "level": level,
        "basis": basis,
        "known": known[0] if known else None,
        "reach": reach[0],
        "unsettled": list(share.unsettled),
    }


def _settled_by(share: ShareEstimate) -> str:
    names = list(share.unsettled)
    if not names:
        return ""
    listed = ", ".join(names[:UNSETTLED_NAMES])
    more = f" and {len(names) - UNSETTLED_NAMES} more" if len(names) > UNSETTLED_NAMES else ""
    return f"A declaration from these members would settle it: {listed}{more}."


def _share_condition(share: ShareEstimate, known, reach, situation: Situation) -> Condition:
    severity, level = known
    lines = [_bounds(share), f"Its estimate is at or above the {severity} level of {level:.1%}."]
    if severity == Severity.EMERGENCY:
        lines.append(
            f"At the consensus threshold ({situation.threshold:.1%}) its members alone can "
            "finalise a value: a bug in it would reach the chain unopposed."
        )
    elif Severity.rank(reach[0]) > Severity.rank(severity):
        lines.append(
            f"Possibly worse: with members whose software is unknown its upper bound reaches "
            f"the {reach[0]} level ({reach[1]:.1%}). {_settled_by(share)}".strip()
        )
    return Condition(
        rule=Rule.IMPLEMENTATION_SHARE,
        key=f"share:{share.kind}:{share.implementation}",
        severity=severity,
        title=LEVEL_TITLES[severity].format(impl=share.implementation, kind=share.kind),
        message=" ".join(lines),
        details=_details(share, known, reach, "estimate", level),
        certainty=Certainty.CERTAIN,
    )


def _possible_share_condition(
    share: ShareEstimate, known, reach, situation: Situation
) -> Condition:
    severity = Severity.below(reach[0])
    lines = [
        _bounds(share),
        f"Only its upper bound reaches the {reach[0]} level of {reach[1]:.1%}: members whose "
        "software is unknown or inferred with low confidence could bring it there. A "
        f"possibility counts one level lower, as {severity}.",
    ]
    if known is not None:
        lines.append(f"Its estimate is at the {known[0]} level ({known[1]:.1%}).")
    lines.append(_settled_by(share))
    return Condition(
        rule=Rule.IMPLEMENTATION_SHARE,
        key=f"share:{share.kind}:{share.implementation}",
        severity=severity,
        title=POSSIBLE_TITLES[reach[0]].format(impl=share.implementation, kind=share.kind),
        message=" ".join(line for line in lines if line),
        details=_details(share, known, reach, "upper bound", reach[1]),
        certainty=Certainty.POSSIBLE,
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
