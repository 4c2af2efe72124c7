"""Figure builders and the status rules, without a database: valid Plotly, safe text, labels."""

from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
import pytest

from diversity import charts
from diversity.planner import mix
from diversity.views.mix import KindShares, SharePoint, ShareRow
from diversity.views.status import share_rule_params, status_from_shares

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def kind_shares(counts: dict[str, int], unknown: int = 0, kind="watchtower") -> KindShares:
    """Shares where `unknown` members have no guess: each row's upper bound includes them."""
    total = sum(counts.values()) + unknown
    rows = [
        ShareRow(name, n, n / total, n / total, (n + unknown) / total)
        for name, n in sorted(counts.items(), key=lambda item: -item[1])
    ]
    return KindShares(kind, total, unknown, rows, 0.51)


def test_status_follows_admin_thresholds(db):
    from diversity.alerts.models import Rule, RuleSetting

    RuleSetting.objects.create(rule=Rule.IMPLEMENTATION_SHARE, params={"warning": 0.3})
    status = status_from_shares(
        "devnet", [kind_shares({"a": 5, "b": 4, "c": 4, "d": 2})], share_rule_params()
    )
    assert status.level == "warning"
    assert status.reasons == ["a nears half of the watchtower vote"]


def test_share_bars_show_bounds_and_both_lines():
    figure = charts.share_bars(kind_shares({"smartnode": 6, "pywatch": 5}, unknown=4), {})
    go.Figure(figure)
    bar = figure["data"][0]
    assert bar["y"][-1].startswith("smartnode<br>40%")  # the label carries the number too
    assert bar["error_x"]["array"][-1] == pytest.approx(4 / 15 * 100, abs=0.01)
    labels = [note["text"].strip() for note in figure["layout"]["annotations"]]
    assert labels == ["50%", "threshold 51%"]


def test_empty_shares_explain_themselves():
    figure = charts.share_bars(kind_shares({}, unknown=15), {})
    go.Figure(figure)
    assert "15 of 15 members unknown" in figure["layout"]["annotations"][0]["text"]


def test_shares_area_stacks_every_implementation_and_unknown():
    points = [SharePoint(T0 + timedelta(days=d), {"a": 0.5, "b": 0.4}, 0.1) for d in range(3)]
    figure = charts.shares_area(points, "treegen", charts.colours_for(["a", "b"]))
    go.Figure(figure)
    assert [t["name"] for t in figure["data"]] == ["a", "b", "unknown"]
    assert all(t["stackgroup"] == "shares" for t in figure["data"])


def test_other_figures_are_valid():
    votes = [(T0, 600, "balances"), (T0, 30, "prices"), (T0, 0, "scrub")]
    go.Figure(charts.delays_scatter(votes))
    go.Figure(charts.vote_timeline([{"label": "value 1", "times": [T0, T0]}], needed=8))
    before = mix("watchtower", {"a": "x", "b": "x", "c": "y"}, ["x", "y", "z"])
    after = mix("watchtower", {"a": "z", "b": "x", "c": "y"}, ["x", "y", "z"])
    go.Figure(charts.plan_bars(before, after, 0.51, charts.colours_for("xyz")))


def test_chain_text_cannot_become_markup_in_a_chart():
    figure = charts.vote_timeline([{"label": '<a href="javascript:x">v</a>', "times": [T0]}], 1)
    assert "<" not in figure["data"][0]["name"]


def test_palette_is_okabe_ito_and_stable():
    colours = charts.colours_for(["smartnode", "oraclerust", "pywatch"])
    assert colours == charts.colours_for(["pywatch", "smartnode", "oraclerust"])
    assert set(colours.values()) <= set(charts.OKABE_ITO)


@pytest.mark.parametrize(
    ("counts", "unknown", "level", "possible_level"),
    [
        ({"a": 5, "b": 5, "c": 5}, 0, "safe", "safe"),
        ({"a": 6, "b": 5, "c": 4}, 0, "warning", "safe"),  # 40%
        ({"a": 10, "b": 10}, 0, "critical", "safe"),  # 50%
        ({"a": 8, "b": 7}, 0, "emergency", "safe"),  # 53% >= 51%
        # a is at 40% (warning) known; with the 4 unknown members, a or b could finalise alone:
        # possible, so one level lower (critical)
        ({"a": 6, "b": 5}, 4, "warning", "critical"),
        ({}, 15, "unknown", "unknown"),
    ],
)
def test_status_says_what_is_known_first(db, counts, unknown, level, possible_level):
    status = status_from_shares("devnet", [kind_shares(counts, unknown)], share_rule_params())
    assert (status.level, status.possible_level) == (level, possible_level)


def test_status_lists_possibilities_after_what_is_known(db):
    status = status_from_shares("devnet", [kind_shares({"a": 6, "b": 5}, 4)], share_rule_params())
    assert status.reasons == ["a nears half of the watchtower vote"]
    assert status.possible == [
        "a could finalise watchtower votes alone",
        "b could finalise watchtower votes alone",
    ]
