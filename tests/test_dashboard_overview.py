"""The overview page on the indexed 30-day devnet: status, shares, history, latest rounds."""

import json
from collections import Counter

import plotly
import pytest

from diversity.fingerprint.shares import ShareBook
from diversity.views.mix import chain_now
from diversity.views.overview import open_alerts

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


def true_counts(truth: dict, kind: str, at) -> tuple[Counter, int]:
    """What the simulator's members ran at `at`, and how many members there were."""
    from tests.browser import running_at

    stamp = at.timestamp()
    present = [
        m
        for m in truth["members"]
        if m["joined_at"] <= stamp and (m["left_at"] is None or stamp < m["left_at"])
    ]
    return Counter(running_at(m, kind, stamp) for m in present), len(present)


def test_overview_shows_shares_whose_bounds_hold_the_truth(client, dashboard_data):
    response = client.get("/")
    assert response.status_code == 200
    at = chain_now("devnet")
    for panel in response.context["panels"]:
        shares = panel["shares"]
        truth, total = true_counts(dashboard_data, shares.kind, at)
        assert shares.members == total
        for row in shares.rows:
            assert row.lower - 1e-9 <= truth[row.implementation] / total <= row.upper + 1e-9
        book_rows = ShareBook("devnet").shares(shares.kind, at)  # what the API and alerts say
        assert {r.implementation: r.members for r in shares.rows} == {
            r.implementation: r.members for r in book_rows if r.implementation != "unknown"
        }
    assert b"Watchtower shares now" in response.content


def test_status_comes_from_the_shares(client, dashboard_data):
    response = client.get("/")
    status = response.context["status"]
    largest = max(row.share for p in response.context["panels"] for row in p["shares"].rows)
    levels = [(0.51, "emergency"), (0.5, "critical"), (0.4, "warning"), (0.0, "safe")]
    assert status.estimate_level == next(level for floor, level in levels if largest >= floor)
    assert status.title in response.content.decode()


def test_open_alerts_are_listed_with_links(client, dashboard_data):
    """Read from the page itself: a page served from the cache carries no template context."""
    html = client.get("/").content.decode()
    alerts = open_alerts("devnet")
    assert alerts, "the snapshot's alert evaluation found the share conditions"
    assert all(alert.status == "open" for alert in alerts)
    assert all(f'href="/alerts/{alert.pk}/"' in html for alert in alerts)


def test_overview_embeds_a_valid_figure_per_chart(client, dashboard_data):
    charts = figures(client.get("/"))
    assert set(charts) == {
        "watchtower-shares-figure",
        "treegen-shares-figure",
        "watchtower-history-figure",
        "treegen-history-figure",
    }
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
    with django_assert_max_num_queries(22):  # builds the cached share snapshot
        client.get("/")
    with django_assert_max_num_queries(13):
        client.get("/")


def test_plotly_is_served_locally(client, db):
    response = client.get(f"/assets/plotly-{plotly.__version__}.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"/**\n* plotly.js v") and b"MIT" in body[:300]
    assert "immutable" in response["Cache-Control"]
