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
from reliability.reorgs import (
    drop_blocks_after,
    head,
    move_transactions_after,
    reorg_after_next_log_read,
    roll_back_to,
    stale_blocks,
    vote_blocks,
)
from tests.conftest import run_simulation
from votes.chain.client import ChainClient, RpcError
from votes.indexing.indexer import Indexer, PassReport
from votes.models import Checkpoint, MembershipEvent, Submission

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


def assert_equals_a_clean_index(chain, deployment, **options) -> None:
    after = db_state()
    assert stale_blocks(chain) == []
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
    assert drop_blocks_after(chain, fork) > CONFIRMATIONS

    report = index(deployment, confirmations=CONFIRMATIONS)
    assert report.reorg_fork_point is not None and report.reorg_fork_point <= fork
    assert not Submission.objects.filter(tx_hash__in=dropped).exists()
    assert_equals_a_clean_index(chain, deployment, confirmations=CONFIRMATIONS)


def test_votes_moved_to_other_blocks_are_stored_where_they_now_are(reorg_devnet):
    chain, deployment = reorg_devnet
    index(deployment)
    fork = vote_blocks()[-25] - 1
    before = dict(
        Submission.objects.filter(block_number__gt=fork).values_list("tx_hash", "block_hash")
    )
    assert move_transactions_after(chain, fork) >= len(before)

    index(deployment)
    after = dict(Submission.objects.filter(tx_hash__in=before).values_list("tx_hash", "block_hash"))
    assert after and all(after[tx] != before[tx] for tx in after)
    assert_equals_a_clean_index(chain, deployment)


def test_a_shorter_chain_rolls_back_below_the_old_head(reorg_devnet):
    """The fork point is under the member's leave: membership must come back as it was."""
    chain, deployment = reorg_devnet
    index(deployment)
    leave = MembershipEvent.objects.get(kind="left").block_number
    roll_back_to(chain, leave - 1)
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
        happened = reorg_after_next_log_read(node, chain, fork)
        client = ChainClient(node.url, timeout=5, max_attempts=2, backoff=0.01)
        indexer = Indexer(devnet_config(deployment, node.url), client=client, confirmations=0)
        with pytest.raises(RpcError, match="the chain moved while blocks"):
            indexer.run_pass()
    assert happened
    assert Checkpoint.objects.get().block_hash == checkpoint.block_hash
    assert not Submission.objects.filter(block_number__gt=first_pass_end).exists()

    index(deployment)
    assert_equals_a_clean_index(chain, deployment)
