"""Reference verdicts on the real devnet: wrong values are named, consensus is checked.

Balances are checked against the beacon-API server the devnet serves (the real source). The
wrong days are in Houston: Saturn itself refuses a majority that moves the rETH rate by more
than 2% (RPIP-61), so there a wrong majority leaves no consensus to judge."""

import json
from pathlib import Path

import pytest

from diversity.models import Verdict
from diversity.reference.balances import bounds_checks
from diversity.reference.setup import compute_verdicts
from diversity.reference.sources import twap_price_from_ticks
from tests.conftest import run_simulation
from votes.chain.networks import get_network
from votes.indexing.indexer import Indexer
from votes.models import Round

WRONG_PPM = 20_000
NO_REFERENCE = {"scrub", "penalty", "bond_cancel", "megapool_penalty"}  # nothing to compute
SCENARIO = {
    "saturn_upgrade_day": 5,
    "events": [
        # a minority implementation misreports on day 2: consensus must still be right
        {"day": 2, "type": "wrong_balance", "implementation": "pywatch", "delta_ppm": WRONG_PPM},
        # the two largest implementations (10 of 15) misreport the same way on day 4
        {"day": 4, "type": "wrong_balance", "implementation": "smartnode", "delta_ppm": WRONG_PPM},
        {"day": 4, "type": "wrong_balance", "implementation": "oraclerust", "delta_ppm": WRONG_PPM},
    ],
}


def truth_implementation_of(truth: dict):
    """(address, kind, at) -> implementation from the simulator's own records."""
    members = {m["address"]: m for m in truth["members"]}

    def implementation_of(address, kind, at):
        history = members[address]["history"]
        current = [h for h in history if h["from"] <= at.timestamp()]
        return (current[-1] if current else history[0])[kind]

    return implementation_of


@pytest.fixture(scope="module")
def wrong_balances_devnet(tmp_path_factory):
    scenario = tmp_path_factory.mktemp("scenario") / "wrong.json"
    scenario.write_text(json.dumps(SCENARIO))
    yield from run_simulation(days=8, scenario=Path(scenario))


@pytest.fixture
def verdicts(wrong_balances_devnet):
    _, _, result, truth = wrong_balances_devnet
    config = get_network("devnet")
    Indexer(config).run_pass()
    stats = compute_verdicts(config, truth_implementation_of(truth))
    return result, truth, stats


def balances_round_on_day(result, day: int) -> Round:
    rounds = [r for r in result.rounds if r.duty == "balances"]
    return Round.objects.get(duty="balances", key=str(rounds[day].key))


def members_running(truth: dict, watchtower: str) -> set[str]:
    return {m["address"] for m in truth["members"] if m["watchtower"] == watchtower}


@pytest.mark.chain
@pytest.mark.django_db
def test_minority_error_is_named_and_consensus_agrees(verdicts):
    result, truth, _ = verdicts
    verdict = balances_round_on_day(result, 2).verdict
    assert verdict.outcome == Verdict.Outcome.AGREES
    named = {d.member.address for d in verdict.disagreements.all()}
    assert named == members_running(truth, "pywatch") & _voters(verdict)
    assert named, "the pywatch members voted and must be named"
    for dissent in verdict.disagreements.all():
        assert dissent.watchtower == "pywatch"
        assert dissent.field == "total_eth"
        assert int(dissent.submitted) - int(dissent.reference) == int(dissent.difference)
        assert dissent.relative_ppm in (WRONG_PPM - 1, WRONG_PPM)


def _voters(verdict) -> set[str]:
    return set(verdict.round.submissions.values_list("member__address", flat=True))


@pytest.mark.chain
@pytest.mark.django_db
def test_wrong_majority_makes_consensus_disagree(verdicts):
    result, truth, _ = verdicts
    verdict = balances_round_on_day(result, 4).verdict
    assert verdict.outcome == Verdict.Outcome.DISAGREES
    assert int(verdict.consensus_values["total_eth"]) > int(verdict.reference_values["total_eth"])
    watchtowers = set(verdict.disagreements.values_list("watchtower", flat=True))
    assert watchtowers == {"smartnode", "oraclerust"}


@pytest.mark.chain
@pytest.mark.django_db
def test_every_other_round_agrees_including_rewards(verdicts):
    result, _, stats = verdicts
    wrong_days = {balances_round_on_day(result, 2).id, balances_round_on_day(result, 4).id}
    for verdict in Verdict.objects.exclude(round_id__in=wrong_days).select_related("round"):
        if verdict.round.duty in NO_REFERENCE:
            assert verdict.outcome == Verdict.Outcome.UNCHECKED
        else:
            assert verdict.outcome == Verdict.Outcome.AGREES, (verdict.round, verdict.checks)
    rewards = Verdict.objects.filter(round__duty="rewards")
    assert rewards.exists()
    assert all(check["passed"] for check in rewards.first().checks)


@pytest.mark.chain
@pytest.mark.django_db
def test_reth_supply_reference_is_the_token_supply_at_the_round_block(verdicts):
    result, _, _ = verdicts
    day_one = [r for r in result.rounds if r.duty == "balances"][1]
    verdict = Round.objects.get(duty="balances", key=str(day_one.key)).verdict
    assert int(verdict.reference_values["reth_supply"]) == day_one.values["reth_supply"]
    assert int(verdict.reference_values["total_eth"]) == day_one.values["total_eth"]
    assert verdict.source.startswith("rETH totalSupply() + protocol views + beacon API")
    assert verdict.unchecked == {}


def test_bounds_catch_staking_above_total_and_big_moves():
    checks = bounds_checks({"total_eth": "100", "staking_eth": "101"}, {"total_eth": "50"}, 0.05)
    assert [c.passed for c in checks] == [False, False]
    checks = bounds_checks({"total_eth": "100", "staking_eth": "90"}, {"total_eth": "99"}, 0.05)
    assert all(c.passed for c in checks)


def test_twap_price_inverts_the_rpl_per_eth_tick():
    assert twap_price_from_ticks(0, 0) == 10**18
    # a mean tick of 46054 is ~100 RPL per ETH, i.e. 0.01 ETH per RPL
    price = twap_price_from_ticks(0, 46054 * 43200)
    assert abs(price - 10**16) < 10**13
    # negative cumulative deltas round toward negative infinity, as Uniswap does
    assert twap_price_from_ticks(0, -1) == twap_price_from_ticks(0, -43200)
