"""Saturn's RPIP-61 on the real RocketNetworkBalances: the vote that reaches consensus reverts
when less than 95% of the update frequency has passed since the last update, or when the rETH
ratio moves more than getMaxRethDelta(); so do later identical votes. The index shows that round
as "refused", apart from no consensus and from a mismatch, with the reverted votes and reasons."""

import pytest

from tests.rocketpool_votes import ETHER, consensus_of, index, submit_balances, voting_block
from votes.models import Consensus, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
FIRST = (1000 * ETHER, 900 * ETHER, 1000 * ETHER)  # rETH ratio 1.0
DAY = 86400


def first_update(rocketpool) -> None:
    rocketpool.upgrade_to_saturn()
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:8], block, slot, *FIRST)


def vote_round(rocketpool, values) -> tuple[int, list]:
    """Seven votes that count, then two that would cross: returns (block, the two sent)."""
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:7], block, slot, *values)
    crossing = submit_balances(rocketpool, rocketpool.members[7:9], block, slot, *values,
                               check=False)  # fmt: skip
    return block, crossing


def test_too_soon_after_the_last_update_the_crossing_vote_reverts_and_is_refused(rocketpool):
    first_update(rocketpool)
    block, crossing = vote_round(rocketpool, (1001 * ETHER, 900 * ETHER, 1000 * ETHER))
    assert [sent.receipt["status"] for sent in crossing] == [0, 0]
    report = index(rocketpool)
    assert report.reverted_votes == 2
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.REFUSED, outcome.mismatch_reason
    assert outcome.onchain_update is None
    assert outcome.crossing_submission.tx_hash == crossing[0].tx_hash
    assert (outcome.vote_count, outcome.member_count) == (8, 15)
    reverted = Submission.objects.filter(round=outcome.round, reverted=True)
    assert {vote.revert_reason for vote in reverted} == {"Not enough time has passed"}
    assert Submission.objects.filter(round=outcome.round, reverted=False).count() == 7


def test_once_enough_time_has_passed_the_same_values_apply(rocketpool):
    first_update(rocketpool)
    block, _ = vote_round(rocketpool, (1001 * ETHER, 900 * ETHER, 1000 * ETHER))
    rocketpool.chain.mine(rocketpool.chain.timestamp + DAY)
    slot = rocketpool.chain.w3.eth.get_block(block)["timestamp"]
    submit_balances(rocketpool, rocketpool.members[9:10], block, slot, 1001 * ETHER,
                    900 * ETHER, 1000 * ETHER)  # fmt: skip
    index(rocketpool)
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission.member.address == rocketpool.members[9].address
    assert outcome.onchain_update.tx_hash == outcome.crossing_submission.tx_hash


def test_a_ratio_move_beyond_the_maximum_delta_is_refused(rocketpool):
    first_update(rocketpool)
    rocketpool.chain.mine(rocketpool.chain.timestamp + DAY)
    settings = rocketpool.system.contract("rocketDAOProtocolSettingsNetwork").functions
    assert settings.getMaxRethDelta().call() == 2 * ETHER // 100
    block, crossing = vote_round(rocketpool, (1030 * ETHER, 900 * ETHER, 1000 * ETHER))  # +3%
    assert [sent.receipt["status"] for sent in crossing] == [0, 0]
    index(rocketpool)
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.REFUSED
    reasons = set(Submission.objects.filter(reverted=True).values_list("revert_reason", flat=True))
    assert reasons == {"Change exceeds maximum"}


def test_a_round_short_of_the_threshold_stays_pending_not_refused(rocketpool):
    first_update(rocketpool)
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:7], block, slot, *FIRST[:2], 999 * ETHER)
    index(rocketpool)
    assert consensus_of("balances", block).status == Consensus.Status.PENDING
