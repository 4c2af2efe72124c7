"""The overview page on the indexed 30-day devnet: status, shares, history, latest rounds."""

import json
from collections import Counter

import plotly
import pytest

pytestmark = pytest.mark.chain
pytest_plugins = ["tests.browser"]  # the dashboard_data fixture


def figures(response) -> dict[str, dict]:
    """Every figure embedded in a page, by element id."""
    html = response.content.decode()
    found = {}
    for chunk in html.split('<script id="')[1:]:
        element_id, rest = chunk.split('"', 1)
        body = rest.split(">", 1)[1].split("</script>", 1)[0]
        found[element_id] = json.loads(body)
    return found


def current_counts(truth: dict, kind: str) -> Counter:
    """What the simulator's current members run, leaving out the last (kept unknown)."""
    present = [m for m in truth["members"] if m["left_at"] is None]
    unknown = truth["members"][-1]["address"]
    return Counter(m[kind] for m in present if m["address"] != unknown)


def test_overview_shows_the_current_mix(client, dashboard_data):
    response = client.get("/")
    assert response.status_code == 200
    shares = {panel["shares"].kind: panel["shares"] for panel in response.context["panels"]}
    for kind in ("watchtower", "treegen"):
        counted = {row.implementation: row.members for row in shares[kind].rows if row.members}
        assert counted == current_counts(dashboard_data, kind)
        assert shares[kind].unknown == 1
    assert b"Watchtower shares now" in response.content


def test_status_comes_from_the_shares(client, dashboard_data):
    status = client.get("/").context["status"]
    # 7 of 15 run smartnode-treegen: under half on the estimate, over the threshold with the
    # unknown member, so the banner says "possible" and names both.
    assert status.estimate_level == "warning"
    assert status.level == "emergency" and status.only_possible
    assert any("smartnode-treegen" in reason for reason in status.reasons)


def test_overview_embeds_a_valid_figure_per_chart(client, dashboard_data):
    charts = figures(client.get("/"))
    assert set(charts) == {
        "watchtower-shares-figure", "treegen-shares-figure",
        "watchtower-history-figure", "treegen-history-figure",
    }  # fmt: skip
    for figure in charts.values():
        plotly.graph_objects.Figure(figure)  # raises on any invalid property
    history = charts["watchtower-history-figure"]["data"]
    assert {trace["name"] for trace in history} >= {"smartnode", "unknown"}


def test_latest_rounds_link_to_their_pages_with_verdicts(client, dashboard_data):
    response = client.get("/")
    rounds = list(response.context["latest_rounds"])
    assert len(rounds) == 10
    assert all(r.consensus.status == "reached" for r in rounds)
    assert f'href="/rounds/{rounds[0].pk}/"'.encode() in response.content
    assert b"agrees" in response.content


def test_overview_query_count_does_not_grow_with_history(
    client, dashboard_data, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        client.get("/")


def test_plotly_is_served_locally(client, db):
    response = client.get(f"/assets/plotly-{plotly.__version__}.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"/**\n* plotly.js v") and b"MIT" in body[:300]
    assert "immutable" in response["Cache-Control"]
