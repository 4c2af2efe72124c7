"""Ranges that adapt to density, and log pieces asked in JSON-RPC batches (real anvil, the session's
30-day simulation).

With a small LOG_RANGE the indexer's ranges grow past one log range while they hold few votes,
and a range's log pieces then go to the node in one batch. A node that refuses a piece inside a
batch (as providers answer an oversized eth_getLogs, with a JSON-RPC error for that call only)
gets that piece again on its own, halved until it is accepted. Either way the database must
equal a pass in fixed ranges straight to anvil.
"""

import json

import pytest

from reliability.faulty_node import RANGE_ERROR_CODE, FaultyNode
from reliability.indexer_state import clear_index, db_state, devnet_config
from votes.indexing.indexer import Indexer

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
LOG_RANGE = 50
NODE_LIMIT = 20  # the batch-refusing node's largest eth_getLogs range


class BatchRefusingNode(FaultyNode):
    """Refuses eth_getLogs calls over NODE_LIMIT blocks alone (as FaultyNode does) and inside
    batches, call by call, forwarding the other calls of the batch."""

    def __init__(self, upstream: str):
        super().__init__(upstream)
        self.max_log_range = NODE_LIMIT
        self.refused_in_batches: list[tuple[int, int]] = []
        self.batched_log_calls = 0

    def answer(self, body: bytes):
        calls = json.loads(body)
        if not isinstance(calls, list):
            return super().answer(body)
        replies, forwarded = {}, []
        for call in calls:
            span = _log_span(call)
            if span is not None:
                self.batched_log_calls += 1
            if span is not None and span[1] - span[0] + 1 > NODE_LIMIT:
                self.refused_in_batches.append(span)
                replies[call["id"]] = _refusal(call)
            else:
                forwarded.append(call)
        if forwarded:
            status, content = self._forward(json.dumps(forwarded).encode())
            if status != 200:
                return status, {}, content
            replies |= {reply["id"]: reply for reply in json.loads(content)}
        content = json.dumps([replies[call["id"]] for call in calls]).encode()
        return 200, {"Content-Type": "application/json"}, content


def _refusal(call: dict) -> dict:
    message = f"query exceeds max block range {NODE_LIMIT}"
    return {"jsonrpc": "2.0", "id": call["id"],
            "error": {"code": RANGE_ERROR_CODE, "message": message}}  # fmt: skip


def _log_span(call: dict) -> tuple[int, int] | None:
    if call.get("method") != "eth_getLogs":
        return None
    query = call["params"][0]
    return int(query["fromBlock"], 16), int(query["toBlock"], 16)


@pytest.fixture(scope="module")
def fixed_ranges(simulated_devnet, django_db_setup, django_db_blocker) -> dict:
    """The database after a pass in fixed 400-block ranges, straight to anvil."""
    deployment = simulated_devnet[1]
    with django_db_blocker.unblock():
        clear_index()
        Indexer(devnet_config(deployment), confirmations=0, max_range=400).run_pass()
        state = db_state()
        clear_index()
    return state


def test_sparse_ranges_grow_and_equal_fixed_ranges(simulated_devnet, fixed_ranges, settings):
    settings.TOWERWATCH_LOG_RANGE = LOG_RANGE
    report = Indexer(devnet_config(simulated_devnet[1]), confirmations=0).run_pass()
    assert report.ranges < report.blocks / LOG_RANGE, "ranges grew past one log range"
    assert db_state() == fixed_ranges


def test_a_log_piece_refused_inside_a_batch_is_read_again_halved(
    simulated_devnet, fixed_ranges, settings
):
    settings.TOWERWATCH_LOG_RANGE = LOG_RANGE
    with BatchRefusingNode(simulated_devnet[1].rpc_url) as node:
        indexer = Indexer(devnet_config(simulated_devnet[1], node.url), confirmations=0)
        indexer.run_pass()
    assert node.batched_log_calls and node.refused_in_batches
    assert node.refused_ranges and indexer.walker.splits > 0, "refused pieces were halved alone"
    assert db_state() == fixed_ranges
