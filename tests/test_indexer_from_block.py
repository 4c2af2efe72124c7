"""Indexing that starts mid-history (`index --from-block N`) still counts the members right.

The members present at N-1 are read from state as 'snapshot' events; consensus after N must
then equal a full index's, round for round, including the member count at each crossing.
"""

import pytest

from reliability.indexer_state import clear_index, devnet_config
from votes.indexing.indexer import Indexer
from votes.models import Consensus, MembershipEvent

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


def consensus_rows(after_block: int) -> dict:
    rows = Consensus.objects.filter(round__first_seen_block__gte=after_block).select_related(
        "round", "crossing_submission"
    )
    return {
        (c.round.duty, c.round.key): (c.status, c.member_count, c.crossing_submission.tx_hash)
        for c in rows
    }


def test_a_late_start_seeds_the_members_and_agrees_with_a_full_index(simulated_devnet):
    _, deployment, result, _ = simulated_devnet
    balances = [r for r in result.rounds if r.duty == "balances"]
    start = balances[12].key + 1  # after the Houston upgrade and the join on day 15's eve
    config = devnet_config(deployment)
    clear_index()
    Indexer(config, confirmations=0).run_pass()
    full = consensus_rows(start)
    clear_index()
    Indexer(config, confirmations=0).run_pass(from_block=start)
    late = consensus_rows(start)
    snapshot = MembershipEvent.objects.filter(kind=MembershipEvent.Kind.SNAPSHOT)
    assert snapshot.count() == 15
    assert set(snapshot.values_list("block_number", flat=True)) == {start - 1}
    assert late == full
    assert all(status == Consensus.Status.REACHED for status, _, _ in late.values())
    clear_index()
