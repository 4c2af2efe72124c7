"""RPL price votes on the real RocketNetworkPrices (v1.3.1, unchanged by Saturn): consensus is
the contract's PricesUpdated, the counter key the contract's own, late votes recorded."""

import pytest

from tests.rocketpool_votes import (
    ETHER,
    consensus_of,
    index,
    packed_key,
    storage_bool,
    storage_uint,
    updated_logs,
    votes,
    voting_block,
)
from votes.models import Consensus, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


@pytest.mark.parametrize("saturn", [False, True], ids=["houston", "saturn"])
def test_price_consensus_is_the_contracts_prices_updated(rocketpool, saturn):
    if saturn:
        rocketpool.upgrade_to_saturn()
    block, slot = voting_block(rocketpool)
    m = rocketpool.members
    rocketpool.run(votes(rocketpool, m[:2], "rocketNetworkPrices", "submitPrices", block, slot,
                         ETHER // 99))  # fmt: skip
    rocketpool.run(votes(rocketpool, m[2:11], "rocketNetworkPrices", "submitPrices", block, slot,
                         ETHER // 100))  # fmt: skip
    index(rocketpool)
    outcome = consensus_of("prices", block)
    (update,) = updated_logs(rocketpool, "rocketNetworkPrices", "PricesUpdated")
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission.tx_hash == "0x" + update["transactionHash"].hex()
    assert (outcome.vote_count, outcome.dissent_count) == (8, 2)
    assert storage_uint(rocketpool, outcome.submission_key) == 9  # the 9th, late, counts on chain
    assert Submission.objects.get(late=True).member.address == m[10].address
    prices = rocketpool.system.contract("rocketNetworkPrices").functions
    assert prices.getRPLPrice().call() == ETHER // 100


def test_a_vote_sets_the_contracts_node_key_and_block_flag_exactly_where_the_index_has_one(
    rocketpool,
):
    """The member's vote key is `"network.prices.submitted.node.key"` (the imitation used the
    block flag's text for it) and each vote also sets the per-block flag."""
    block, slot = voting_block(rocketpool)
    voters, price = rocketpool.members[:5], ETHER // 100
    rocketpool.run(votes(rocketpool, voters, "rocketNetworkPrices", "submitPrices", block, slot,
                         price))  # fmt: skip
    index(rocketpool)
    indexed = {
        vote.member.address: vote for vote in Submission.objects.filter(round__key=str(block))
    }
    for member in rocketpool.members:
        vote_key = packed_key(b"network.prices.submitted.node.key", member.address, block, slot,
                              price)  # fmt: skip
        block_flag = packed_key(b"network.prices.submitted.node", member.address, block)
        voted, flagged = storage_bool(rocketpool, vote_key), storage_bool(rocketpool, block_flag)
        assert voted == flagged == (member.address in indexed)
    assert len(indexed) == len(voters)
    assert {vote.values["rpl_price"] for vote in indexed.values()} == {str(price)}
