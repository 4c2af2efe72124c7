"""Rewards snapshots on the real RocketRewardsPool, in both struct layouts (v1.3.1 with the CID
string; v1.4 with the smoothing-pool and treasury ETH): the index's counter key is the one the
contract's own `getSubmissionCount(RewardSubmission)` reads, and its consensus the
RewardSnapshot."""

import pytest

from tests.rocketpool_votes import (
    ETHER,
    consensus_of,
    index,
    storage_uint,
    updated_logs,
    votes,
    voting_block,
)
from votes.devnet.transactions import fund
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


HUGE = 10**30  # more than anything pending: the contract's own bound decides
INVALID_AMOUNTS = {  # (era, revert reason): a submission that breaks that bound
    ("v1.3.1", "Invalid RPL rewards"): lambda b: (0, b, b, ROOT, "", 1, HUGE, [0], [0], [0], 0),
    ("v1.3.1", "Invalid ETH rewards"): lambda b: (0, b, b, ROOT, "", 1, 0, [0], [0], [HUGE], 0),
    ("v1.4", "Invalid RPL rewards"): lambda b: (0, b, b, ROOT, 1, 0, HUGE, 0, 0, [0], [0], [0]),
    ("v1.4", "Invalid ETH rewards"): lambda b: (0, b, b, ROOT, 1, 0, 0, HUGE, 0, [0], [0], [0]),
    ("v1.4", "Invalid smoothing pool balance"): lambda b: (0, b, b, ROOT, 1, HUGE, 0, 0, 0, [0],
                                                           [0], [0]),
}  # fmt: skip


@pytest.mark.parametrize("era, reason", INVALID_AMOUNTS, ids=[" ".join(k) for k in INVALID_AMOUNTS])
def test_amounts_beyond_what_is_pending_are_reverted_evidence(rocketpool, era, reason):
    if era == "v1.4":
        rocketpool.upgrade_to_saturn()
    block, _ = voting_block(rocketpool)
    sent = submit(rocketpool, rocketpool.members[:8], INVALID_AMOUNTS[era, reason](block),
                  check=False)  # fmt: skip
    assert all(item.receipt["status"] == 0 for item in sent)
    index(rocketpool)
    reverted = Submission.objects.filter(reverted=True)
    assert reverted.count() == 8 and {v.revert_reason for v in reverted} == {reason}
    assert consensus_of("rewards", 0).status == Consensus.Status.PENDING


@pytest.mark.parametrize("era", ["v1.3.1", "v1.4"])
def test_a_crossing_vote_whose_payout_fails_is_consensus_refused(rocketpool, era):
    """Rewards for network 1, which has no relay: every vote is valid and counted until the
    crossing one executes the snapshot, whose payout reverts it (and every identical vote after)."""
    if era == "v1.4":
        rocketpool.upgrade_to_saturn()
    smoothing_pool = rocketpool.system.address("rocketSmoothingPool")
    fund(rocketpool.chain.w3, smoothing_pool, ETHER)
    block, _ = voting_block(rocketpool)
    if era == "v1.3.1":
        submission = (0, block, block, ROOT, "", 1, 0, [0, 0], [0, 0], [0, ETHER // 2], 0)
    else:
        submission = (
            0,
            block,
            block,
            ROOT,
            1,
            ETHER // 2,
            0,
            0,
            0,
            [0, 0],
            [0, 0],
            [0, ETHER // 2],
        )
    submit(rocketpool, rocketpool.members[:7], submission)
    (crossing,) = submit(rocketpool, rocketpool.members[7:8], submission, check=False)
    assert crossing.receipt["status"] == 0
    assert not updated_logs(rocketpool, "rocketRewardsPool", "RewardSnapshot")
    index(rocketpool)
    outcome = consensus_of("rewards", 0)
    assert outcome.status == Consensus.Status.REFUSED, outcome.mismatch_reason
    assert outcome.crossing_submission.tx_hash == crossing.tx_hash
    assert outcome.crossing_submission.revert_reason == (
        "Snapshot contains rewards for invalid network"
    )
    assert (outcome.vote_count, outcome.member_count) == (8, 15)
    assert count(rocketpool, submission) == 7  # the contract counted the seven that did not revert
