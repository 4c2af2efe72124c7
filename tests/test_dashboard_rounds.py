"""Rounds pages: the list with filters, and one round's votes grouped by value."""

import pytest
from django.test import override_settings

from diversity.views.rounds import value_rows, votes_needed
from votes.models import Round, Submission

pytestmark = pytest.mark.chain
pytest_plugins = ["tests.browser"]  # the dashboard_data fixture


def test_list_pages_and_filters_by_duty(client, dashboard_data):
    response = client.get("/rounds/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == Round.objects.count()
    assert len(page.object_list) == min(50, page.paginator.count)
    rewards = client.get("/rounds/?duty=rewards").context["page"]
    assert rewards.paginator.count == dashboard_data["rounds"]["rewards"]
    assert {r.duty for r in rewards.object_list} == {"rewards"}
    assert client.get("/rounds/?duty=<b>").context["duty"] == ""


def test_list_uses_a_fixed_number_of_queries(client, dashboard_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        client.get("/rounds/?page=2")


def test_detail_groups_votes_and_marks_the_crossing_vote(client, dashboard_data):
    balances = Round.objects.filter(duty="balances").order_by("key_block").first()
    response = client.get(f"/rounds/{balances.pk}/")
    assert response.status_code == 200
    groups = response.context["groups"]
    assert groups[0]["won"]
    voted = sum(len(group["submissions"]) for group in groups)
    assert voted == Submission.objects.filter(round=balances).count()
    crossing = balances.consensus.crossing_submission
    assert response.context["crossing_id"] == crossing.pk
    assert crossing in groups[0]["submissions"]
    assert response.context["needed"] == balances.consensus.vote_count
    html = response.content.decode()
    assert "crossed the threshold" in html
    assert f"https://etherscan.io/tx/{crossing.tx_hash}" in html
    assert "agrees" in html and "rETH" in html


@override_settings(TOWERWATCH_EXPLORER_TX_URL="https://explorer.example/tx/{tx}")
def test_explorer_pattern_comes_from_settings(client, dashboard_data):
    sim_round = Round.objects.filter(duty="prices").first()
    tx_hash = sim_round.submissions.first().tx_hash
    assert (
        f"https://explorer.example/tx/{tx_hash}"
        in client.get(f"/rounds/{sim_round.pk}/").content.decode()
    )


def test_rewards_round_shows_the_nested_submission(client, dashboard_data):
    rewards = Round.objects.filter(duty="rewards").first()
    fields = [
        row["field"] for row in client.get(f"/rounds/{rewards.pk}/").context["groups"][0]["rows"]
    ]
    assert "submission.merkle_root" in fields and "from" not in fields


def test_missing_round_is_404(client, db):
    assert client.get("/rounds/999999/").status_code == 404


def test_votes_needed_follows_the_contract_rules():
    threshold = 51 * 10**16
    assert votes_needed("balances", 15, threshold) == 8
    assert votes_needed("balances", 16, threshold) == 9
    assert votes_needed("scrub", 15, threshold) == 8  # 15 * 0.51 = 7.65 -> 7, then + 1
    assert votes_needed("prices", 0, threshold) is None


def test_value_rows_flatten_and_convert_amounts():
    rows = value_rows(
        {
            "from": "0xabc",
            "time": "1",
            "total_eth": "1500000000000000000",
            "submission": {"node_rpl": ["1", "2"]},
        }
    )
    assert rows == [
        {"field": "total_eth", "value": "1500000000000000000", "amount": "≈ 1.5000 ETH"},
        {"field": "submission.node_rpl", "value": "1, 2"},
    ]
