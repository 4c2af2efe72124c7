"""`index` gives the balances rounds it indexed their reference verdict from the beacon source, as
`reference --beacon` does (one code path: diversity/reference/after_index.py). Without a beacon
node, or with one that refuses or never answers, total and staking ETH stay unchecked with the
reason, never a value, and the index itself completes. On the session's real-protocol devnet
(30 days across Houston and Saturn) and its local beacon-API server."""

from __future__ import annotations

import dataclasses
import io
import socket

import pytest
from django.core.management import call_command

from diversity.models import Disagreement, Verdict
from reliability.indexer_state import NETWORK, clear_index, devnet_file
from votes.indexing.reorg import roll_back
from votes.models import Checkpoint, Round, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
BEACON_FIELDS = {"total_eth", "staking_eth"}
VERDICT_FIELDS = ("outcome", "reference_values", "consensus_values", "unchecked", "source",
                  "checks")  # fmt: skip


@pytest.fixture
def devnet(simulated_devnet, settings):
    """The session's devnet as `index` sees it, with no BEACON_URL and an empty index."""
    settings.TOWERWATCH_BEACON_URL = ""
    chain, deployment, result, truth = simulated_devnet
    with devnet_file(deployment):
        clear_index()
        yield chain, deployment, result, truth


def index(*args: str) -> str:
    out = io.StringIO()
    call_command("index", "--network", NETWORK, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def balances_verdicts() -> dict[str, dict]:
    rows = Verdict.objects.filter(round__network=NETWORK, round__duty="balances")
    return {v.round.key: {f: getattr(v, f) for f in VERDICT_FIELDS} for v in rows}


def truth_of(result) -> dict[str, dict]:
    return {str(r.key): r.values for r in result.rounds if r.duty == "balances"}


def test_index_with_beacon_checks_every_balances_round_as_reference_does(devnet):
    _, deployment, result, _ = devnet
    summary = index("--beacon", deployment.beacon_url)
    source = f"protocol views + beacon API ({deployment.beacon_url})"
    assert "balances reference for 30 rounds (" in summary and source in summary
    assert "unchecked" not in summary
    verdicts, truth = balances_verdicts(), truth_of(result)
    assert set(verdicts) == set(truth)
    for key, verdict in verdicts.items():
        assert verdict["unchecked"] == {}, key
        reference = {f: int(verdict["reference_values"][f]) for f in BEACON_FIELDS}
        assert reference == {f: truth[key][f] for f in BEACON_FIELDS}, key
        assert verdict["outcome"] in (Verdict.Outcome.AGREES, Verdict.Outcome.NO_CONSENSUS)
    assert any(v["outcome"] == Verdict.Outcome.AGREES for v in verdicts.values())

    call_command("reference", "--network", NETWORK, "--beacon", deployment.beacon_url,
                 stdout=io.StringIO())  # fmt: skip
    assert balances_verdicts() == verdicts, "index and reference compute the same verdicts"


def test_index_recomputes_only_the_rounds_a_pass_touched_with_the_same_verdicts(devnet):
    """After a rollback the next pass re-reads the last blocks: the balances rounds voted on
    there are checked again (the first against the consensus before it), the rest are not."""
    chain, deployment, _, _ = devnet
    index("--beacon", deployment.beacon_url)
    before = balances_verdicts()
    fork = chain.w3.eth.block_number - 400
    touched = set(
        Submission.objects.filter(round__duty="balances", block_number__gt=fork)
        .values_list("round__key", flat=True)
    )  # fmt: skip
    assert 0 < len(touched) < 30
    roll_back(NETWORK, fork, chain.w3.eth.get_block(fork)["hash"].to_0x_hex())
    Verdict.objects.filter(round__key__in=touched).update(outcome="stale", checks=[])
    summary = index("--beacon", deployment.beacon_url)
    assert f"balances reference for {len(touched)} rounds (" in summary
    assert balances_verdicts() == before
    assert "balances reference" not in index("--beacon", deployment.beacon_url), "nothing new"


def test_index_without_a_beacon_node_says_balances_are_unchecked_and_why(devnet):
    _, deployment, _, _ = devnet
    with devnet_file(dataclasses.replace(deployment, beacon_url=None)):
        summary = index()
    assert ("balances reference for 30 rounds" in summary
            and "from no beacon node; total and staking ETH unchecked in 30: "
                "no beacon node configured (--beacon or BEACON_URL)" in summary)  # fmt: skip
    assert_unchecked_never_a_value("no beacon node configured")


@pytest.fixture
def silent_beacon():
    """A beacon URL that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def refusing_beacon():
    """A beacon URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "beacon, reason",
    [
        ("refusing_beacon", "the beacon node cannot be reached"),
        ("silent_beacon", "the beacon node did not answer within 0.2 s"),
    ],
)
def test_a_beacon_node_that_does_not_answer_leaves_balances_unchecked_and_the_index_done(
    devnet, settings, request, beacon, reason
):
    chain, _, _, truth = devnet
    settings.TOWERWATCH_BEACON_TIMEOUT_S = 0.2
    url = request.getfixturevalue(beacon)
    summary = index("--beacon", url)
    assert f"from protocol views + beacon API ({url})" in summary
    assert f"total and staking ETH unchecked in 30: beacon state unavailable: {reason}" in summary
    assert_unchecked_never_a_value(reason)
    assert Checkpoint.objects.get(network=NETWORK).block_number == chain.w3.eth.block_number
    logged = Submission.objects.filter(network=NETWORK, reverted=False).count()
    assert logged == sum(truth["submissions"].values())


def assert_unchecked_never_a_value(reason: str) -> None:
    verdicts = Verdict.objects.filter(round__network=NETWORK, round__duty="balances")
    assert verdicts.count() == Round.objects.filter(duty="balances").count() == 30
    for verdict in verdicts:
        assert set(verdict.unchecked) >= BEACON_FIELDS, verdict.unchecked
        assert reason in verdict.unchecked["total_eth"]
        assert not BEACON_FIELDS & set(verdict.reference_values), verdict.reference_values
        passed = all(check["passed"] for check in verdict.checks)
        expected = Verdict.Outcome.UNCHECKED if passed else Verdict.Outcome.DISAGREES
        assert verdict.outcome == expected, (verdict.round.key, verdict.checks)
    wrong = Disagreement.objects.filter(verdict__in=verdicts, field__in=BEACON_FIELDS)
    assert not wrong.exists()
