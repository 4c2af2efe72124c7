"""Balances votes on the real RocketNetworkBalances (v1.3.1, then v1.4 after the real upgrade):
the index's consensus is the contract's BalancesUpdated, its counter key the contract's own."""

import pytest

from tests.rocketpool_votes import (
    consensus_of,
    index,
    storage_uint,
    submit_balances,
    updated_logs,
    voting_block,
)
from votes.models import Consensus, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
VALUES = (1000 * 10**18, 900 * 10**18, 990 * 10**18)  # total, staking, rETH supply


def test_the_eighth_of_fifteen_votes_applies_and_the_ninth_is_late_houston(rocketpool):
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:7], block, slot, *VALUES)
    submit_balances(rocketpool, rocketpool.members[7:9], block, slot, *VALUES)
    index(rocketpool)
    outcome = consensus_of("balances", block)
    (update,) = updated_logs(rocketpool, "rocketNetworkBalances", "BalancesUpdated")
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission.tx_hash == "0x" + update["transactionHash"].hex()
    assert (outcome.vote_count, outcome.member_count) == (8, 15)
    late = Submission.objects.filter(round=outcome.round, late=True)
    assert late.count() == 1 and all(vote.agrees_with_consensus for vote in late)
    assert storage_uint(rocketpool, outcome.submission_key) == 9  # the contract's own counter


def test_balances_consensus_after_the_saturn_upgrade_is_the_v1_4_contract(rocketpool):
    rocketpool.upgrade_to_saturn()
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:8], block, slot, *VALUES)
    index(rocketpool)
    outcome = consensus_of("balances", block)
    (update,) = updated_logs(rocketpool, "rocketNetworkBalances", "BalancesUpdated")
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission.tx_hash == "0x" + update["transactionHash"].hex()
    assert outcome.crossing_submission.contract_address == rocketpool.system.address(
        "rocketNetworkBalances"
    )
    assert storage_uint(rocketpool, outcome.submission_key) == 8


def test_different_values_count_apart_and_only_the_majority_applies(rocketpool):
    block, slot = voting_block(rocketpool)
    other = (VALUES[0] + 1, *VALUES[1:])
    submit_balances(rocketpool, rocketpool.members[:3], block, slot, *other)
    submit_balances(rocketpool, rocketpool.members[3:11], block, slot, *VALUES)
    index(rocketpool)
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.REACHED
    assert (outcome.vote_count, outcome.dissent_count) == (8, 3)
    dissent = Submission.objects.filter(round=outcome.round, agrees_with_consensus=False).first()
    assert storage_uint(rocketpool, dissent.submission_key) == 3
