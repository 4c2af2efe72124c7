"""Alert rules on hand-made situations: shares, chain health, parameters."""

from datetime import UTC, datetime

import pytest

from diversity.alerts import rules
from diversity.alerts.rules import RULES, check_params, evaluate_rules, implementation_share
from diversity.alerts.situation import ShareEstimate, Situation
from diversity.models.alerts import Rule

NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)
SHARE_DEFAULTS = RULES[Rule.IMPLEMENTATION_SHARE].defaults


def share(estimate, lower=None, upper=None, name="smartnode", kind="watchtower"):
    lower = estimate if lower is None else lower
    upper = estimate if upper is None else upper
    return ShareEstimate(name, kind, estimate, lower, upper)


def situation(*shares, **fields) -> Situation:
    return Situation(network="devnet", now=NOW, shares=list(shares), **fields)


def severities(conditions) -> list[str]:
    return [c.severity for c in conditions]


@pytest.mark.parametrize(
    ("estimate", "expected"),
    [
        (0.39, []),
        (0.40, ["warning"]),
        (0.50, ["warning", "critical"]),
        (0.509, ["warning", "critical"]),
        (0.51, ["warning", "critical", "emergency"]),
        (0.60, ["warning", "critical", "emergency"]),
    ],
)
def test_share_levels_are_cumulative(estimate, expected):
    found = implementation_share(situation(share(estimate)), SHARE_DEFAULTS)
    assert severities(found) == expected
    assert all(c.details["basis"] == "estimate" for c in found)


def test_upper_bound_alone_raises_the_level_and_says_so():
    found = implementation_share(situation(share(0.30, 0.30, 0.55)), SHARE_DEFAULTS)
    assert severities(found) == ["warning", "critical", "emergency"]
    for condition in found:
        assert condition.details["basis"] == "upper bound"
        assert "upper bound" in condition.title
        assert "upper bound" in condition.message


def test_estimate_and_upper_bound_each_named_per_level():
    found = implementation_share(situation(share(0.42, 0.40, 0.52)), SHARE_DEFAULTS)
    basis = {c.severity: c.details["basis"] for c in found}
    assert basis == {"warning": "estimate", "critical": "upper bound", "emergency": "upper bound"}


def test_kinds_and_implementations_have_their_own_keys():
    found = implementation_share(
        situation(share(0.45), share(0.45, kind="treegen", name="treegen-rs")), SHARE_DEFAULTS
    )
    assert [c.key for c in found] == [
        "share:watchtower:smartnode:warning",
        "share:treegen:treegen-rs:warning",
    ]


def test_emergency_follows_the_chain_threshold_unless_set():
    at_55 = situation(share(0.55), threshold=0.6)
    assert severities(implementation_share(at_55, SHARE_DEFAULTS)) == ["warning", "critical"]
    params = check_params(Rule.IMPLEMENTATION_SHARE, {"emergency": 0.55})
    assert "emergency" in severities(implementation_share(at_55, params))


def test_custom_warning_threshold():
    params = check_params(Rule.IMPLEMENTATION_SHARE, {"warning": 0.33})
    assert severities(implementation_share(situation(share(0.34)), params)) == ["warning"]


def test_no_share_data_means_no_judgement():
    assert implementation_share(Situation("devnet", NOW, shares=None), SHARE_DEFAULTS) is None


def test_emergency_message_explains_the_risk():
    (emergency,) = [
        c for c in implementation_share(situation(share(0.6)), SHARE_DEFAULTS)
        if c.severity == "emergency"
    ]  # fmt: skip
    assert "finalise" in emergency.message and "60.0%" in emergency.message


def test_node_unreachable_and_indexer_lag():
    down = Situation("devnet", NOW, head=None, head_error="connection refused")
    assert rules.indexer_lag(down, {"max_blocks": 50}) is None
    (unreachable,) = rules.node_unreachable(down, {})
    assert unreachable.severity == "critical" and "connection refused" in unreachable.message

    behind = Situation("devnet", NOW, head=1000, indexed_block=900)
    assert rules.node_unreachable(behind, {}) == []
    (lag,) = rules.indexer_lag(behind, {"max_blocks": 50})
    assert lag.details["behind"] == 100
    assert rules.indexer_lag(Situation("devnet", NOW, head=1000, indexed_block=960),
                             {"max_blocks": 50}) == []  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [{"nope": 1}, {"warning": "40%"}, {"warning": True}, {"warning": -1}, {"warning": None}],
)
def test_bad_parameters_are_refused(params):
    with pytest.raises(ValueError):
        check_params(Rule.IMPLEMENTATION_SHARE, params)


def test_list_parameters_must_be_names():
    assert check_params(Rule.CONSENSUS_LATE, {"duties": ["balances"]})["duties"] == ["balances"]
    with pytest.raises(ValueError):
        check_params(Rule.CONSENSUS_LATE, {"duties": "balances"})


def test_a_failing_rule_does_not_silence_the_others(monkeypatch):
    def broken(situation, params):
        raise RuntimeError("bug")

    monkeypatch.setitem(RULES, Rule.INDEXER_LAG, rules.RuleSpec(broken, {}))
    down = Situation("devnet", NOW, head=None, head_error="timeout", shares=[share(0.45)])
    conditions, judged = evaluate_rules(
        down,
        {
            Rule.INDEXER_LAG: {},
            Rule.NODE_UNREACHABLE: {},
            Rule.IMPLEMENTATION_SHARE: SHARE_DEFAULTS,
        },
    )
    assert judged == {Rule.NODE_UNREACHABLE, Rule.IMPLEMENTATION_SHARE}
    assert {c.rule for c in conditions} == {Rule.NODE_UNREACHABLE, Rule.IMPLEMENTATION_SHARE}
