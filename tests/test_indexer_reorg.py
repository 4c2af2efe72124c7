"""Reorgs on a real anvil: whatever the chain does to blocks already indexed, the next pass
must leave the database equal to a clean index of the canonical chain.

The module runs its own three-day simulation, because every test rewrites the chain's recent
history (anvil_reorg replaces the last blocks, anvil_rollback shortens the chain). Each test
picks its fork point from the votes it finds, so the order of the tests does not matter.
"""

import json
from contextlib import contextmanager

import pytest

from reliability.faulty_node import FaultyNode
from reliability.indexer_state import clear_index, db_state, devnet_config
from tests.conftest import run_simulation
from votes.chain.client import ChainClient, RpcError
from votes.indexing.indexer import Indexer, PassReport
from votes.models import Checkpoint, IndexedBlock, MembershipEvent, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
CONFIRMATIONS = 3


@pytest.fixture(scope="module")
def reorg_devnet(tmp_path_factory):
    """(chain, deployment) of a devnet of this module's own, free to be rewritten. Member 0
    leaves on day 2 of 4, before the fork points of the reorg tests (the last day's votes):
    leaving goes through a proposal whose voting delay a re-timed replay would not respect."""
    scenario = tmp_path_factory.mktemp("reorg") / "scenario.json"
    leave = {"day": 2, "type": "leave", "member": 0}
    scenario.write_text(json.dumps({"saturn_upgrade_day": 1, "events": [leave]}))
    with contextmanager(run_simulation)(days=4, seed=1, scenario=scenario) as (
        chain, deployment, _, _,
    ):  # fmt: skip
        yield chain, deployment


def index(deployment, **options) -> PassReport:
    confirmations = options.pop("confirmations", 0)
    indexer = Indexer(devnet_config(deployment), confirmations=confirmations)
    return indexer.run_pass(**options)


def head(chain) -> int:
    return chain.w3.eth.block_number


def canonical_hash(chain, number: int) -> str:
    return chain.w3.eth.get_block(number)["hash"].to_0x_hex()


def vote_blocks() -> list[int]:
    return list(Submission.objects.order_by("block_number").values_list("block_number", flat=True))


def transactions_after(chain, fork: int) -> list[str]:
    """Every transaction in the blocks above `fork`, as raw signed bytes, in chain order."""
    raw = []
    for number in range(fork + 1, head(chain) + 1):
        for tx_hash in chain.w3.eth.get_block(number)["transactions"]:
            raw.append(chain.rpc("eth_getRawTransactionByHash", [tx_hash.to_0x_hex()]))
    return raw


def assert_equals_a_clean_index(chain, deployment, **options) -> None:
    after = db_state()
    for block in IndexedBlock.objects.all():
        assert block.hash == canonical_hash(chain, block.number), f"block {block.number}"
    clear_index()
    index(deployment, **options)
    assert after == db_state()


def test_votes_dropped_deeper_than_the_confirmations_are_forgotten(reorg_devnet):
    chain, deployment = reorg_devnet
    index(deployment, confirmations=CONFIRMATIONS)
    checkpoint = Checkpoint.objects.get().block_number
    fork = vote_blocks()[-20] - 1
    dropped = set(
        Submission.objects.filter(block_number__gt=fork).values_list("tx_hash", flat=True)
    )
    assert checkpoint - fork > CONFIRMATIONS and dropped
    chain.rpc("anvil_reorg", [head(chain) - fork, []])

    report = index(deployment, confirmations=CONFIRMATIONS)
    assert report.reorg_fork_point is not None and report.reorg_fork_point <= fork
    assert not Submission.objects.filter(tx_hash__in=dropped).exists()
    assert_equals_a_clean_index(chain, deployment, confirmations=CONFIRMATIONS)


def test_votes_moved_to_other_blocks_are_stored_where_they_now_are(reorg_devnet):
    chain, deployment = reorg_devnet
    index(deployment)
    fork = vote_blocks()[-25] - 1
    depth = head(chain) - fork
    before = dict(
        Submission.objects.filter(block_number__gt=fork).values_list("tx_hash", "block_hash")
    )
    replayed = [
        [raw, min(i // 3, depth - 1)] for i, raw in enumerate(transactions_after(chain, fork))
    ]
    chain.rpc("anvil_reorg", [depth, replayed])

    index(deployment)
    after = dict(Submission.objects.filter(tx_hash__in=before).values_list("tx_hash", "block_hash"))
    assert after and all(after[tx] != before[tx] for tx in after)
    assert_equals_a_clean_index(chain, deployment)


def test_a_shorter_chain_rolls_back_below_the_old_head(reorg_devnet):
    """The fork point is under the member's leave: membership must come back as it was."""
    chain, deployment = reorg_devnet
    index(deployment)
    leave = MembershipEvent.objects.get(kind="left").block_number
    old_head = head(chain)
    chain.rpc("anvil_rollback", [old_head - (leave - 1)])
    assert head(chain) < Checkpoint.objects.get().block_number

    report = index(deployment)
    assert report.reorg_fork_point is not None and report.reorg_fork_point < leave
    assert not MembershipEvent.objects.filter(kind="left").exists()
    assert_equals_a_clean_index(chain, deployment)


def test_a_reorg_while_a_range_is_being_read_stores_nothing_of_it(reorg_devnet):
    """Logs, transactions and blocks are separate calls: the chain can move between them."""
    chain, deployment = reorg_devnet
    index(deployment)
    votes_at = sorted(set(vote_blocks()))
    clear_index()
    first_pass_end = votes_at[-30]
    index(deployment, to_block=first_pass_end)
    checkpoint = Checkpoint.objects.get()
    fork = votes_at[-10] - 1

    with FaultyNode(deployment.rpc_url) as node:

        def reorg_once(method: str) -> None:
            if method == "eth_getLogs" and node.after_forward is not None:
                node.after_forward = None
                chain.rpc("anvil_reorg", [head(chain) - fork, []])

        node.after_forward = reorg_once
        client = ChainClient(node.url, timeout=5, max_attempts=2, backoff=0.01)
        indexer = Indexer(devnet_config(deployment, node.url), client=client, confirmations=0)
        with pytest.raises(RpcError, match="the chain moved while blocks"):
            indexer.run_pass()
    assert Checkpoint.objects.get().block_hash == checkpoint.block_hash
    assert not Submission.objects.filter(block_number__gt=first_pass_end).exists()

    index(deployment)
    assert_equals_a_clean_index(chain, deployment)
