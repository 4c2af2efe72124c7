"""Members pages: software with confidence and flags, participation, timing; chain text escaped."""

import pytest

from diversity.models import Disagreement, Verdict
from votes import state
from votes.models import Member, Round

pytestmark = pytest.mark.chain
pytest_plugins = ["tests.browser"]  # the dashboard_data fixture


def test_list_shows_every_member_with_its_software(client, dashboard_data):
    response = client.get("/members/")
    assert response.status_code == 200
    rows = {row["member"].address: row for row in response.context["rows"]}
    simulated = dashboard_data["members"]
    assert len(rows) == len(simulated)
    declared = simulated[::2]  # see tests/browser.py: declare_every_other
    for member in declared:
        watchtower, treegen = rows[member["address"]]["software"]
        assert (watchtower.declared, treegen.declared) == (member["watchtower"], member["treegen"])
    known = {m["watchtower"] for m in declared}
    inferred = [
        rows[m["address"]]["software"][0] for m in simulated[1::2] if m["watchtower"] in known
    ]
    truths = [m["watchtower"] for m in simulated[1::2] if m["watchtower"] in known]
    right = [s for s, truth in zip(inferred, truths, strict=True) if s.inferred == truth]
    assert len(right) >= 0.9 * len(truths) and all(s.confidence > 0 for s in right)
    html = response.content.decode()
    assert "declared" in html and "inferred" in html
    if any(m["watchtower"] not in known for m in simulated):  # never declared: not recognised
        assert "Matches no known implementation" in html


def test_participation_counts_rounds_while_a_member(client, dashboard_data):
    rows = client.get("/members/").context["rows"]
    # rounds whose opening the chain shows (a bond-reduction cancel has no opening event)
    total_rounds = Round.objects.filter(network="devnet", opened_at__isnull=False).count()
    for row in rows:
        member = row["member"]
        assert member.rounds_eligible <= total_rounds
        assert member.rounds_voted <= member.votes
        assert 0 < row["participation"] <= 1
    stayed = [row["member"] for row in rows if row["member"].left_block is None]
    assert max(m.rounds_eligible for m in stayed) == total_rounds


def test_list_uses_a_fixed_number_of_queries(client, dashboard_data, django_assert_max_num_queries):
    client.get("/")  # builds the cached share snapshot
    with django_assert_max_num_queries(11):
        client.get("/members/")


def test_detail_shows_duties_timing_and_votes(client, dashboard_data):
    address = dashboard_data["members"][1]["address"]
    response = client.get(f"/members/{address.lower()}/")  # any case finds the member
    assert response.status_code == 200
    duties = {row["duty"]: row for row in response.context["duties"]}
    assert {"balances", "prices"} <= set(duties)
    assert all(row["rounds"] <= row["eligible"] for row in duties.values())
    delays = response.context["delays"]["data"]
    assert delays and all(trace["type"] == "scatter" for trace in delays)
    assert "https://etherscan.io/address/" + address in response.content.decode()


def test_detail_lists_reference_disagreements(client, dashboard_data):
    member = Member.objects.get(address=dashboard_data["members"][3]["address"])
    submission = member.submissions.filter(round__duty="balances").first()
    verdict = Verdict.objects.get(round=submission.round)
    Disagreement.objects.create(
        verdict=verdict,
        submission=submission,
        member=member,
        watchtower="pywatch",
        field="total_eth",
        submitted="1",
        reference="2",
        difference="-1",
    )
    response = client.get(f"/members/{member.address}/")
    assert list(response.context["disagreements"])[0].field == "total_eth"
    assert f"/rounds/{submission.round_id}/" in response.content.decode()


def test_unknown_member_is_404(client, dashboard_data):
    assert client.get("/members/0x0000000000000000000000000000000000000001/").status_code == 404


def test_chain_text_is_escaped_and_only_http_urls_are_links(client, dashboard_data):
    member = Member.objects.get(address=dashboard_data["members"][1]["address"])
    member.member_id = '<script>alert("id")</script>'
    member.url = "javascript:alert(1)"
    member.save()
    html = client.get(f"/members/{member.address}/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html
    listing = client.get("/members/").content.decode()
    assert "<script>alert" not in listing

    member.url = "https://example.org/odao?a=1&b=<2>"
    member.save()
    state.bump(state.CHAIN)  # as the indexer does when it stores a member (pages are cached)
    html = client.get(f"/members/{member.address}/").content.decode()
    assert 'href="https://example.org/odao?a=1&amp;b=&lt;2&gt;"' in html
