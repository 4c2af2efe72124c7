"""Network balances from the beacon chain on the real protocol: towerwatch's reference, read
from the devnet's execution-layer state and its beacon-API server, equals what the simulator
knows to be right in every round of a 30-day run across both eras; a beacon node that is slow,
lacks the state or answers garbage leaves the balances unchecked with the reason."""

from __future__ import annotations

import json

import pytest

from diversity.reference.balances import balances_reference
from diversity.reference.beacon_api import BeaconApiClient
from diversity.reference.network_balances import ProtocolBalanceSource
from tests.faulty_beacon import FaultyBeacon
from tests.test_beacon_api import GARBAGE
from votes.chain.client import ChainClient

pytestmark = pytest.mark.chain


def source(deployment, url: str | None = None, timeout_s: float = 10.0) -> ProtocolBalanceSource:
    beacon = BeaconApiClient(url or deployment.beacon_url, timeout_s=timeout_s)
    return ProtocolBalanceSource(ChainClient(deployment.rpc_url), deployment.rocket_storage, beacon)


def balances_rounds(result) -> list:
    return [r for r in result.rounds if r.duty == "balances"]


def saturn_round(result):
    return next(r for r in balances_rounds(result) if r.key > result.saturn_block)


def test_the_reference_equals_the_simulators_truth_in_every_round(simulated_devnet):
    _, deployment, result, _ = simulated_devnet
    rounds = balances_rounds(result)
    assert len(rounds) == 30 and result.saturn_block is not None
    reference = source(deployment)
    for sim_round in rounds:
        reading = reference.balances_at(sim_round.key)
        assert reading.unchecked is None, (sim_round.key, reading.unchecked)
        expected = (sim_round.values["total_eth"], sim_round.values["staking_eth"])
        assert (reading.total_eth, reading.staking_eth) == expected, sim_round.key
    houston = [r for r in rounds if r.key < result.saturn_block]
    saturn = [r for r in rounds if r.key > result.saturn_block]
    assert houston and saturn
    assert all(r.values["staking_eth"] == 0 for r in houston), "vacant minipools hold no user ETH"
    assert all(r.values["staking_eth"] > 0 for r in saturn), "megapool validators are staking"


def test_beacon_balances_reach_the_total_after_saturn(simulated_devnet, faulty):
    """The megapools' validators earn on the beacon chain: the rETH share of those rewards is in
    totalEth. Served balances of exactly the 32 ETH deposited give a smaller total, and the
    same staking ETH (the user capital does not depend on rewards)."""
    _, deployment, result, _ = simulated_devnet
    last = balances_rounds(result)[-1]
    faulty.rewrite = _only_validator_answers(_deposited_balances_only)
    reading = source(deployment, faulty.url).balances_at(last.key)
    assert reading.unchecked is None
    assert reading.total_eth < last.values["total_eth"]
    assert reading.staking_eth == last.values["staking_eth"]


def _deposited_balances_only(body: bytes) -> bytes:
    document = json.loads(body)
    for record in document["data"]:
        record["balance"] = str(32 * 10**9)
    return json.dumps(document).encode()


def test_the_same_round_read_through_the_rocket_storage_of_its_block(simulated_devnet):
    """A Houston round read after the upgrade still uses the v1.3.1 contracts of its block."""
    _, deployment, result, _ = simulated_devnet
    first = balances_rounds(result)[0]
    reading = source(deployment).balances_at(first.key)
    assert reading.total_eth == first.values["total_eth"]


@pytest.fixture
def faulty(simulated_devnet):
    _, deployment, _, _ = simulated_devnet
    with FaultyBeacon(deployment.beacon_url) as proxy:
        yield proxy


def test_a_slow_beacon_node_is_unchecked_with_the_reason(simulated_devnet, faulty):
    _, deployment, result, _ = simulated_devnet
    faulty.stall_seconds = 2.0
    reading = source(deployment, faulty.url, timeout_s=0.5).balances_at(saturn_round(result).key)
    assert (reading.total_eth, reading.staking_eth) == (None, None)
    assert "did not answer within 0.5 s" in reading.unchecked


def test_a_state_the_beacon_node_does_not_have_is_unchecked(simulated_devnet, faulty):
    _, deployment, result, _ = simulated_devnet
    faulty.status = 404
    reading = source(deployment, faulty.url).balances_at(saturn_round(result).key)
    assert reading.total_eth is None and "no such state" in reading.unchecked


@pytest.mark.parametrize("name", ["not json", "negative balance", "pubkey twice", "unknown status"])
def test_garbage_from_the_beacon_node_is_unchecked_never_a_value(simulated_devnet, faulty, name):
    _, deployment, result, _ = simulated_devnet
    faulty.rewrite = _only_validator_answers(GARBAGE[name])
    reading = source(deployment, faulty.url).balances_at(saturn_round(result).key)
    assert (reading.total_eth, reading.staking_eth) == (None, None), name
    assert reading.unchecked


def _only_validator_answers(rewrite):
    """Garble the validators' answer, not genesis or spec (which the client reads first)."""

    def garble(body: bytes) -> bytes:
        return rewrite(body) if b'"validator"' in body else body

    return garble


def test_without_a_beacon_node_balances_are_unchecked_and_say_why(simulated_devnet):
    _, deployment, result, _ = simulated_devnet
    client = ChainClient(deployment.rpc_url)
    token = deployment.current("rocketTokenRETH")
    reference = balances_reference(client, token, None, saturn_round(result).key)
    assert reference.values["total_eth"] is None and reference.values["reth_supply"] is not None
    assert "no beacon node configured" in reference.unchecked["total_eth"]
    assert set(reference.unchecked) == {"total_eth", "staking_eth"}


@pytest.mark.django_db
def test_a_failing_beacon_node_makes_verdicts_unchecked_and_the_round_page_says_why(
    simulated_devnet, faulty, client
):
    from diversity.models import Verdict
    from diversity.reference.setup import compute_verdicts
    from votes.chain.networks import get_network
    from votes.indexing.indexer import Indexer
    from votes.models import Round

    _, _, result, _ = simulated_devnet
    config = get_network("devnet")
    Indexer(config).run_pass()
    faulty.status = 404
    compute_verdicts(config, lambda *_: "", beacon_url=faulty.url)
    verdicts = Verdict.objects.filter(round__duty="balances", round__network="devnet")
    assert verdicts.count() == 30
    for verdict in verdicts:
        assert set(verdict.unchecked) == {"total_eth", "staking_eth"}
        assert "total_eth" not in verdict.reference_values and verdict.reference_values
        assert not verdict.disagreements.exclude(field="reth_supply").exists()
        passed = all(check["passed"] for check in verdict.checks)
        expected = Verdict.Outcome.UNCHECKED if passed else Verdict.Outcome.DISAGREES
        assert verdict.outcome == expected, (verdict.round, verdict.checks)
    sim_round = Round.objects.get(duty="balances", key=str(saturn_round(result).key))
    assert sim_round.verdict.outcome == Verdict.Outcome.UNCHECKED
    html = client.get(f"/rounds/{sim_round.pk}/").content.decode()
    assert "unchecked</span> because beacon state unavailable" in html
    assert "no such state" in html
    assert faulty.url in html  # the source names the beacon node that was asked
