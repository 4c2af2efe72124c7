"""Acceptance: one implementation submits a wrong balance; the alert names it, its members, the
round, the submitted, consensus and reference values, and resolves when it votes right again.

On the devnet (15 members, Houston from day 1 so that slow members' votes are recorded), pywatch
misreports total_eth by 2% on day 2. Members declare what they run; the reference computation
checks every round; the rules are evaluated at the end of day 2 and at the end of day 3.
"""

import json
from datetime import UTC, datetime

import pytest

from diversity.alerts.delivery import deliver_due
from diversity.alerts.lifecycle import evaluate
from diversity.alerts.models import Alert, Channel, Rule, Subscription
from diversity.alerts.situation import Situation, member_label
from diversity.alerts.sources import consensus_threshold, current_shares, implementation_lookup
from diversity.fingerprint.shares import ShareBook
from diversity.models import Verdict
from diversity.reference.setup import compute_verdicts
from reliability.fake_discord import FakeDiscord
from tests.conftest import run_simulation
from tests.test_alert_share_scenario import declare_every_switch, devnet_config
from votes.indexing.indexer import Indexer
from votes.models import Round, Submission

pytestmark = [pytest.mark.chain, pytest.mark.slow]
SEED, DAYS, DAY, WRONG_PPM = 3, 4, 86400, 20_000
SCENARIO = {
    "houston_upgrade_day": 1,
    "events": [
        {"day": 2, "type": "wrong_balance", "implementation": "pywatch", "delta_ppm": WRONG_PPM}
    ],
}


@pytest.fixture(scope="module")
def wrong_balance_devnet(tmp_path_factory):
    scenario = tmp_path_factory.mktemp("scenario") / "wrong_balance.json"
    scenario.write_text(json.dumps(SCENARIO))
    yield from run_simulation(days=DAYS, seed=SEED, scenario=scenario)


def situation_at(at: datetime, chain) -> Situation:
    book = ShareBook("devnet")
    return Situation(
        network="devnet",
        now=at,
        shares=current_shares(book, at),
        threshold=consensus_threshold("devnet"),
        implementation_of=implementation_lookup(book, "devnet"),
        head=chain.w3.eth.block_number,
        indexed_block=chain.w3.eth.block_number,
    )


def end_of_day(truth: dict, day: int) -> datetime:
    return datetime.fromtimestamp(truth["started_at"] + (day + 1) * DAY - 60, UTC)


@pytest.mark.django_db
def test_wrong_balance_alert_names_implementation_members_round_and_values(
    wrong_balance_devnet, settings
):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    chain, deployment, result, truth = wrong_balance_devnet
    config = devnet_config(deployment)
    Indexer(config).run_pass()
    declare_every_switch(truth, SEED)
    compute_verdicts(config, implementation_lookup(ShareBook("devnet"), "devnet"))

    day2 = [r for r in result.rounds if r.duty == "balances"][2]
    sim_round = Round.objects.get(duty="balances", key=str(day2.key))
    right = str(day2.values["total_eth"])
    wrong = str(day2.wrong["pywatch"]["total_eth"])
    pywatch = {m["address"] for m in truth["members"] if m["watchtower"] == "pywatch"}
    voters = Submission.objects.filter(round=sim_round, member__address__in=pywatch)
    assert voters.exists(), "the pywatch members voted on day 2"
    assert sim_round.verdict.outcome == Verdict.Outcome.AGREES
    assert sim_round.verdict.reference_values["total_eth"] == right

    with FakeDiscord(script=[]) as discord:
        channel = Channel.objects.create(name="odao", kind=Channel.Kind.DISCORD, target=discord.url)
        Subscription.objects.create(channel=channel, rule=Rule.IMPLEMENTATION_DISAGREES)
        evaluate(situation_at(end_of_day(truth, 2), chain))
        deliver_due()
        alert = Alert.objects.get(rule=Rule.IMPLEMENTATION_DISAGREES)
        evaluate(situation_at(end_of_day(truth, 3), chain))
        deliver_due()

    assert alert.key == "implementation_disagrees:balances:watchtower:pywatch"
    assert alert.severity == "critical"
    assert alert.details["round_key"] == sim_round.key
    assert sorted(alert.details["members"]) == sorted(v.member.address for v in voters)
    assert alert.details["fields"]["total_eth"] == {
        "submitted": [wrong], "consensus": right, "reference": right,
    }  # fmt: skip
    opened, resolved = discord.accepted
    text = opened["embeds"][0]["title"] + opened["embeds"][0]["description"]
    assert "pywatch" in text and f"balances round {sim_round.key}" in text
    for vote in voters:
        assert member_label(vote.member) in text
    assert f"submitted {wrong}, consensus {right}, reference {right}" in text
    assert int(wrong) - int(right) == int(right) * WRONG_PPM // 1_000_000

    assert "RESOLVED" in resolved["embeds"][0]["title"], "pywatch voted right again on day 3"
    alert.refresh_from_db()
    assert alert.status == "resolved"
    member_alerts = Alert.objects.filter(rule=Rule.MEMBER_DISAGREES)
    assert {a.details["member"] for a in member_alerts} == {v.member.address for v in voters}
