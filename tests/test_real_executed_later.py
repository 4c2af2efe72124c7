"""A value applied later by `executeUpdateBalances` / `executeUpdatePrices` is consensus, not an
indexer mismatch: the votes were cast while too few, members left (here: removed by challenge),
and then anyone's execute transaction, which is no vote, applied the value on the real contracts."""

import pytest

from tests.rocketpool_votes import (
    ETHER,
    consensus_of,
    index,
    remove_by_challenge,
    updated_logs,
    votes,
    voting_block,
)
from votes.devnet.protocol.oracle_dao import call
from votes.models import Consensus

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
DUTIES = {  # duty: (contract, vote, execute, update event, values after block and slot)
    "balances": ("rocketNetworkBalances", "submitBalances", "executeUpdateBalances",
                 "BalancesUpdated", (1000 * ETHER, 900 * ETHER, 990 * ETHER)),
    "prices": ("rocketNetworkPrices", "submitPrices", "executeUpdatePrices", "PricesUpdated",
               (ETHER // 100,)),
}  # fmt: skip


@pytest.mark.parametrize(
    "duty, saturn",
    [("balances", False), ("prices", False), ("balances", True), ("prices", True)],
    ids=["balances-houston", "prices-houston", "balances-saturn", "prices-saturn"],
)
def test_a_value_executed_after_members_left_is_reached_consensus(rocketpool, duty, saturn):
    name, vote, execute, event, values = DUTIES[duty]
    if saturn:
        rocketpool.upgrade_to_saturn()
    m = rocketpool.members
    block, slot = voting_block(rocketpool)
    arguments = (block, slot, *values)
    rocketpool.run(votes(rocketpool, m[:7], name, vote, *arguments))  # 7 of 15: 46.7%
    assert not updated_logs(rocketpool, name, event)
    remove_by_challenge(rocketpool, m[:2], m[13:])  # 7 of 13: 53.8%
    (executed,) = rocketpool.run([call(rocketpool.system, rocketpool.guardian, name, execute,
                                       *arguments)])  # fmt: skip
    (update,) = updated_logs(rocketpool, name, event)
    assert "0x" + update["transactionHash"].hex() == executed.tx_hash
    index(rocketpool)
    outcome = consensus_of(duty, block)
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission is None
    assert (outcome.vote_count, outcome.member_count) == (7, 13)
    assert outcome.onchain_update.tx_hash == executed.tx_hash
    assert outcome.round.submissions.filter(agrees_with_consensus=True).count() == 7
