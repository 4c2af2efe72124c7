"""Alert rules on hand-made situations: shares, chain health, parameters."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversity.alerts import rules
from diversity.alerts.models import Rule
from diversity.alerts.rules import RULES, check_params, evaluate_rules, implementation_share
from diversity.alerts.situation import ShareEstimate, Situation

NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)
SHARE_DEFAULTS = RULES[Rule.IMPLEMENTATION_SHARE].defaults


def share(estimate, lower=None, upper=None, name="smartnode", kind="watchtower", unsettled=()):
    lower = estimate if lower is None else lower
    upper = estimate if upper is None else upper
    return ShareEstimate(name, kind, estimate, lower, upper, unsettled)


def situation(*shares, **fields) -> Situation:
    return Situation(network="devnet", now=NOW, shares=list(shares), **fields)


def severities(conditions) -> list[str]:
    return [c.severity for c in conditions]


@pytest.mark.parametrize(
    ("estimate", "expected"),
    [
        (0.39, []),
        (0.40, ["warning"]),
        (0.50, ["critical"]),
        (0.509, ["critical"]),
        (0.51, ["emergency"]),
        (0.60, ["emergency"]),
    ],
)
def test_one_condition_at_the_highest_level_the_estimate_reaches(estimate, expected):
    found = implementation_share(situation(share(estimate)), SHARE_DEFAULTS)
    assert severities(found) == expected
    assert all(c.certainty == "certain" and c.details["basis"] == "estimate" for c in found)
    assert all(c.key == "share:watchtower:smartnode" for c in found), "the key has no level"


def test_upper_bound_alone_is_possible_and_one_level_lower():
    unknown = ("m1 (0xaaaa…0001)", "m2 (0xaaaa…0002)")
    (found,) = implementation_share(
        situation(share(0.30, 0.30, 0.55, unsettled=unknown)), SHARE_DEFAULTS
    )
    assert (found.severity, found.certainty) == ("critical", "possible")
    assert found.details["reach"] == "emergency" and found.details["basis"] == "upper bound"
    assert found.title == "smartnode could finalise watchtower votes alone"
    assert "upper bound" in found.message and "one level lower" in found.message
    assert "m1 (0xaaaa…0001), m2 (0xaaaa…0002)" in found.message, "who would settle it"


def test_a_possible_warning_is_no_alert():
    assert implementation_share(situation(share(0.30, 0.30, 0.45)), SHARE_DEFAULTS) == []


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0.3, 0.6), st.sampled_from([None, 0.55, 0.7]))
def test_a_possible_condition_is_never_an_emergency(a, b, threshold, emergency):
    estimate, upper = sorted((a, b))
    params = check_params(Rule.IMPLEMENTATION_SHARE, {"emergency": emergency})
    found = implementation_share(
        situation(share(estimate, estimate, upper), threshold=threshold), params
    )
    assert len(found) <= 1
    for condition in found:
        if condition.certainty == "possible":
            assert condition.severity != "emergency"
            assert condition.details["basis"] == "upper bound"
            assert condition.severity != "info", "a possible warning is no alert"
        else:
            assert condition.details["known"] == condition.severity


def test_the_estimate_wins_unless_the_possibility_is_still_higher():
    (certain,) = implementation_share(situation(share(0.45, 0.45, 0.50)), SHARE_DEFAULTS)
    assert (certain.severity, certain.certainty) == ("warning", "certain")
    assert "Possibly worse" in certain.message and "critical" in certain.message
    (possible,) = implementation_share(situation(share(0.42, 0.40, 0.52)), SHARE_DEFAULTS)
    assert (possible.severity, possible.certainty) == ("critical", "possible")
    assert possible.details["known"] == "warning"


def test_kinds_and_implementations_have_their_own_keys():
    found = implementation_share(
        situation(share(0.45), share(0.45, kind="treegen", name="treegen-rs")), SHARE_DEFAULTS
    )
    assert [c.key for c in found] == ["share:watchtower:smartnode", "share:treegen:treegen-rs"]


def test_emergency_follows_the_chain_threshold_unless_set():
    at_55 = situation(share(0.55), threshold=0.6)
    assert severities(implementation_share(at_55, SHARE_DEFAULTS)) == ["critical"]
    params = check_params(Rule.IMPLEMENTATION_SHARE, {"emergency": 0.55})
    assert severities(implementation_share(at_55, params)) == ["emergency"]


def test_custom_warning_threshold():
    params = check_params(Rule.IMPLEMENTATION_SHARE, {"warning": 0.33})
    assert severities(implementation_share(situation(share(0.34)), params)) == ["warning"]


def test_no_share_data_means_no_judgement():
    assert implementation_share(Situation("devnet", NOW, shares=None), SHARE_DEFAULTS) is None


def test_emergency_message_explains_the_risk():
    (emergency,) = implementation_share(situation(share(0.6)), SHARE_DEFAULTS)
    assert emergency.severity == "emergency"
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
