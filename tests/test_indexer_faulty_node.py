"""The indexer behind a misbehaving node (reliability/faulty_node.py in front of anvil).

Every survivable fault must end with the database equal to a clean pass over the same blocks;
a node that is gone for good must end the pass with an RpcError that says so, the `index`
command with a one-line "node error" and a non-zero exit. The client's sleeps are recorded,
not slept, so backoff and Retry-After are checked as numbers and the tests stay fast.
"""

import logging
from dataclasses import dataclass
from functools import partial

import pytest
from django.core.management import ManagementUtility

from reliability.faulty_node import FaultyNode
from reliability.indexer_state import clear_index, db_state, devnet_config, devnet_file
from votes.chain.client import ChainClient, RpcError
from votes.indexing import indexer as indexer_module
from votes.indexing.indexer import Indexer
from votes.models import Checkpoint, Submission, UndecodableLog

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
SATURN_BLOCKS = 150  # how far past the Saturn upgrade the reference pass reads (its first rounds)
VERSION_CALL = "0x54fd4d50"  # version()
BACKOFF = 0.05


@dataclass
class Reference:
    deployment: object
    to_block: int
    state: dict


@pytest.fixture(scope="module")
def reference(simulated_devnet, django_db_setup, django_db_blocker) -> Reference:
    """A clean pass, straight to anvil, over the Houston era and the start of the Saturn era."""
    _, deployment, _, _ = simulated_devnet
    upgrade = deployment.protocol["upgraded_block"]
    to_block = upgrade + SATURN_BLOCKS
    with django_db_blocker.unblock():
        clear_index()
        Indexer(devnet_config(deployment), confirmations=0).run_pass(to_block=to_block)
        state = db_state()
        clear_index()
    balances = {row.block_number for row in state["submissions"] if row.round[0] == "balances"}
    assert balances and min(balances) < upgrade < max(balances), "votes on both sides"
    return Reference(deployment, to_block, state)


@pytest.fixture
def node(simulated_devnet):
    _, deployment, _, _ = simulated_devnet
    with FaultyNode(deployment.rpc_url) as faulty:
        yield faulty


class Clock:
    """Stands in for time.sleep: remembers how long the client wanted to wait."""

    def __init__(self):
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def indexer_for(node: FaultyNode, reference: Reference, clock: Clock, *, max_range: int = 400,
                timeout: float = 2.0, attempts: int = 4, on_progress=None) -> Indexer:  # fmt: skip
    client = ChainClient(node.url, timeout=timeout, max_attempts=attempts, backoff=BACKOFF,
                         max_backoff=1.0, sleep=clock)  # fmt: skip
    return Indexer(devnet_config(reference.deployment, node.url), client=client, confirmations=0,
                   max_range=max_range, on_progress=on_progress)  # fmt: skip


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# --- survivable faults ---------------------------------------------------------------------------


def test_refused_log_ranges_are_split_until_the_node_accepts_them(node, reference, clock, caplog):
    node.max_log_range = 50
    indexer = indexer_for(node, reference, clock)
    indexer.run_pass(to_block=reference.to_block)
    assert db_state() == reference.state
    assert node.refused_ranges and indexer.walker.splits > 0
    assert all(last - first < 50 for first, last in node.accepted_ranges)
    assert any("query exceeds max block range 50" in w for w in warnings(caplog))


def test_429_is_retried_after_the_time_the_node_asks_for(node, reference, clock, caplog):
    node.fail_next(3, status=429, retry_after="7", method="eth_getLogs")
    indexer_for(node, reference, clock).run_pass(to_block=reference.to_block)
    assert db_state() == reference.state
    assert node.statuses("eth_getLogs")[:4] == [429, 429, 429, 200]
    assert clock.sleeps == [7.0, 7.0, 7.0]
    assert sum("HTTP 429" in w for w in warnings(caplog)) == 3


def test_503_is_retried_with_exponential_backoff(node, reference, clock):
    node.fail_next(3, status=503, method="eth_getTransactionReceipt")
    indexer_for(node, reference, clock).run_pass(to_block=reference.to_block)
    assert db_state() == reference.state
    assert clock.sleeps == [BACKOFF * 2, BACKOFF * 4, BACKOFF * 8]


def test_a_stalled_request_times_out_and_is_retried(node, reference, clock, caplog):
    node.fail_next(1, stall_seconds=1.0, method="eth_getLogs")
    indexer_for(node, reference, clock, timeout=0.3).run_pass(to_block=reference.to_block)
    assert db_state() == reference.state
    assert node.statuses("eth_getLogs")[0] == "stalled"
    assert any("ReadTimeout" in w for w in warnings(caplog))


def test_a_corrupted_log_is_kept_as_undecodable_not_lost(node, reference, clock):
    # a balances vote: its data has six words, so cutting it to one makes it undecodable
    # (a scrub vote's data is a single word already and would survive the cut)
    target = next(row for row in reference.state["submissions"]
                  if row.event_era == "v1.3" and row.round[0] == "balances")  # fmt: skip
    tx_hash, log_index = target.position
    node.corrupt_log = lambda log: (
        (log["transactionHash"], int(log["logIndex"], 16)) == (tx_hash, log_index)
    )  # that log only: a crossing vote's transaction also carries the Updated event
    report = indexer_for(node, reference, clock).run_pass(to_block=reference.to_block)
    assert report.bad_logs == 1 and len(node.corrupted) == 1
    (bad,) = UndecodableLog.objects.all()
    assert (bad.tx_hash, bad.log_index, bad.block_number) == (
        tx_hash,
        log_index,
        target.block_number,
    )
    assert "BalancesSubmitted (v1.3) data does not decode" in bad.error
    assert bad.raw["data"] == node.corrupted[0]["data"]
    stored = set(Submission.objects.values_list("tx_hash", "log_index"))
    assert stored == {row.position for row in reference.state["submissions"]} - {target.position}


# --- faults that end the pass --------------------------------------------------------------------


def test_a_range_refused_down_to_one_block_ends_the_pass_with_the_nodes_message(
    node, reference, clock
):
    node.max_log_range = 0
    with pytest.raises(RpcError, match="eth_getLogs: query exceeds max block range 0"):
        indexer_for(node, reference, clock).run_pass(to_block=reference.to_block)
    assert not Checkpoint.objects.exists()


def test_a_node_that_stays_down_ends_the_pass_after_the_last_attempt(node, reference, clock):
    node.fail_next(100, status=503)
    with pytest.raises(RpcError, match=r"unreachable after 4 attempts: HTTP 503"):
        indexer_for(node, reference, clock).run_pass(to_block=reference.to_block)
    assert clock.sleeps == [BACKOFF * 2, BACKOFF * 4, BACKOFF * 8]


def test_a_node_lost_mid_pass_keeps_whole_ranges_and_the_next_pass_completes(
    node, reference, clock
):
    def lose_the_node(report):
        if report.ranges == 3:
            node.stop()

    indexer = indexer_for(node, reference, clock, max_range=50, on_progress=lose_the_node)
    with pytest.raises(RpcError, match="unreachable after 4 attempts"):
        indexer.run_pass(to_block=reference.to_block)
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.block_number == reference.deployment.deploy_block + 3 * 50 - 1
    stored = set(Submission.objects.values_list("tx_hash", "log_index"))
    expected = {
        row.position
        for row in reference.state["submissions"]
        if row.block_number <= checkpoint.block_number
    }
    assert stored == expected
    assert len(clock.sleeps) <= 4, "a node that is gone must not be asked for ever smaller ranges"
    Indexer(devnet_config(reference.deployment), confirmations=0).run_pass(
        to_block=reference.to_block
    )
    assert db_state() == reference.state


def test_a_failed_version_lookup_stops_the_pass_rather_than_guess_a_layout(node, reference, clock):
    """PricesSubmitted v1.0 and v1.3 share a topic: only the emitter's version() tells them
    apart, so a node that fails that call must not make Houston prices read as v1.0."""
    node.fail_next(100, status=503, method="eth_call",
                   where=lambda call: call["params"][0].get("data") == VERSION_CALL)  # fmt: skip
    with pytest.raises(RpcError, match="HTTP 503"):
        indexer_for(node, reference, clock).run_pass(to_block=reference.to_block)
    assert not Submission.objects.filter(round__duty="prices", event_era="v1.0").exists()
    Indexer(devnet_config(reference.deployment), confirmations=0).run_pass(
        to_block=reference.to_block
    )
    assert db_state() == reference.state


def test_the_index_command_exits_non_zero_with_a_one_line_node_error(
    node, reference, monkeypatch, capsys
):
    monkeypatch.setattr(indexer_module, "ChainClient",
                        partial(ChainClient, max_attempts=2, backoff=0.01))  # fmt: skip
    node.stop()
    command = ["manage.py", "index", "--network", "devnet", "--rpc", node.url]
    with devnet_file(reference.deployment), pytest.raises(SystemExit) as exit_:
        ManagementUtility(command).execute()
    assert exit_.value.code == 1
    *retries, last = capsys.readouterr().err.strip().splitlines()
    assert last.startswith(f"CommandError: node error: {node.url} unreachable after 2 attempts")
    assert all(line.startswith(f"RPC {node.url} failed") for line in retries)
