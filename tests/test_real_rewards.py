"""Rewards snapshots on the real RocketRewardsPool, in both struct layouts (v1.3.1 with the CID
string; v1.4 with the smoothing-pool and treasury ETH): the index's counter key is the one the
contract's own `getSubmissionCount(RewardSubmission)` reads, and its consensus the
RewardSnapshot."""

import pytest

from tests.rocketpool_votes import (
    consensus_of,
    index,
    storage_uint,
    updated_logs,
    votes,
    voting_block,
)
from votes.models import Consensus, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
ROOT = bytes.fromhex("ab" * 32)


def houston_submission(block: int, cid: str = "") -> tuple:
    return (0, block, block, ROOT, cid, 1, 0, [], [], [], 0)


def saturn_submission(block: int, user_eth: int = 0) -> tuple:
    return (0, block, block, ROOT, 1, 0, 0, 0, user_eth, [], [], [])


def submit(rocketpool, members, submission, check=True):
    planned = votes(rocketpool, members, "rocketRewardsPool", "submitRewardSnapshot", submission)
    return rocketpool.run(planned, check=check)


def count(rocketpool, submission) -> int:
    pool = rocketpool.system.contract("rocketRewardsPool").functions
    return pool.getSubmissionCount(submission).call()


@pytest.mark.parametrize("era", ["v1.3.1", "v1.4"])
def test_the_rewards_counter_key_is_the_contracts_and_the_snapshot_is_consensus(rocketpool, era):
    if era == "v1.4":
        rocketpool.upgrade_to_saturn()
    block, _ = voting_block(rocketpool)
    make = houston_submission if era == "v1.3.1" else saturn_submission
    chosen, other = make(block), make(block + 1)
    submit(rocketpool, rocketpool.members[:2], other)
    submit(rocketpool, rocketpool.members[2:10], chosen)
    index(rocketpool)
    outcome = consensus_of("rewards", 0)
    (snapshot,) = updated_logs(rocketpool, "rocketRewardsPool", "RewardSnapshot")
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission.tx_hash == "0x" + snapshot["transactionHash"].hex()
    assert outcome.crossing_submission.event_era == ("v1.1" if era == "v1.3.1" else "v1.4")
    for submission, expected in ((chosen, 8), (other, 2)):
        keys = Submission.objects.filter(
            round=outcome.round, values__submission__execution_block=str(submission[1])
        ).values_list("submission_key", flat=True)
        assert set(keys) == {keys[0]} and count(rocketpool, submission) == expected
        assert storage_uint(rocketpool, keys[0]) == expected  # the very key the contract counts
    assert outcome.vote_count == 8 and outcome.dissent_count == 2


def test_a_different_cid_string_is_a_different_vote_in_houston(rocketpool):
    block, _ = voting_block(rocketpool)
    submit(rocketpool, rocketpool.members[:4], houston_submission(block, cid="bafy"))
    submit(rocketpool, rocketpool.members[4:8], houston_submission(block))
    index(rocketpool)
    keys = set(Submission.objects.values_list("submission_key", flat=True))
    assert len(keys) == 2
    assert consensus_of("rewards", 0).status == Consensus.Status.PENDING
    assert count(rocketpool, houston_submission(block, cid="bafy")) == 4


def test_a_vote_for_an_executed_index_is_recorded_late(rocketpool):
    block, _ = voting_block(rocketpool)
    submit(rocketpool, rocketpool.members[:9], houston_submission(block))
    index(rocketpool)
    late = Submission.objects.get(late=True)
    assert late.member.address == rocketpool.members[8].address
    assert late.agrees_with_consensus is True
