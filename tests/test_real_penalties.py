"""Minipool penalties on the real RocketNetworkPenalties. Houston (v1.3.1) logs nothing when a
penalty applies and reverts any vote after it; Saturn (v1.4) indexes the minipool and logs
PenaltyApplied before the crossing vote's PenaltySubmitted. The index follows both."""

import pytest
from eth_utils import keccak, to_checksum_address

from tests.rocketpool_votes import (
    UINT_STORAGE_SLOT,
    consensus_of,
    index,
    packed_key,
    plant_minipool,
    set_storage,
    storage_bool,
    storage_uint,
    votes,
    voting_block,
)
from votes.models import Consensus, OnChainUpdate, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
MINIPOOL = to_checksum_address("0x" + "5e" * 20)


def submit(rocketpool, members, block, check=True):
    planned = votes(rocketpool, members, "rocketNetworkPenalties", "submitPenalty", MINIPOOL, block)
    return rocketpool.run(planned, check=check)


def revert_reason(rocketpool, member, block) -> str:
    """What the contract says to one more vote now (an eth_call of the same transaction)."""
    penalties = rocketpool.system.contract("rocketNetworkPenalties").functions
    try:
        penalties.submitPenalty(MINIPOOL, block).call({"from": member.address})
    except Exception as error:  # web3 raises ContractLogicError with the reason
        return str(error)
    return ""


def test_houston_applies_at_the_threshold_without_an_event_and_reverts_late_votes(rocketpool):
    plant_minipool(rocketpool, MINIPOOL)
    block, _ = voting_block(rocketpool)
    submit(rocketpool, rocketpool.members[:8], block)
    assert "Penalty already applied for this block" in revert_reason(
        rocketpool, rocketpool.members[8], block
    )
    (late,) = submit(rocketpool, rocketpool.members[8:9], block, check=False)
    assert late.receipt["status"] == 0
    index(rocketpool)
    outcome = consensus_of("penalty", f"{MINIPOOL}:{block}")
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert (outcome.vote_count, outcome.member_count) == (8, 15)
    assert not OnChainUpdate.objects.exists()  # v1.3.1 logs no applied penalty
    executed = packed_key(b"network.penalties.executed", MINIPOOL, block)
    assert storage_bool(rocketpool, executed)
    assert storage_uint(rocketpool, outcome.submission_key) == 8
    assert outcome.crossing_submission.member.address == rocketpool.members[7].address
    reverted = Submission.objects.get(reverted=True)  # the late vote, read from its calldata
    assert reverted.tx_hash == late.tx_hash and reverted.late
    assert reverted.revert_reason == "Penalty already applied for this block"
    assert reverted.submission_key == outcome.submission_key


def test_saturn_logs_penalty_applied_before_the_crossing_vote(rocketpool):
    plant_minipool(rocketpool, MINIPOOL)
    rocketpool.upgrade_to_saturn()
    block, _ = voting_block(rocketpool)
    sent = submit(rocketpool, rocketpool.members[:8], block)
    logs = sent[-1].receipt["logs"]
    index(rocketpool)
    outcome = consensus_of("penalty", f"{MINIPOOL}:{block}")
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.onchain_update.tx_hash == outcome.crossing_submission.tx_hash
    assert outcome.onchain_update.log_index < outcome.crossing_submission.log_index
    assert len(logs[-1]["topics"]) == 3  # PenaltySubmitted indexes the minipool in v1.4
    assert Submission.objects.filter(event_era="v1.4").count() == 8
    assert storage_uint(rocketpool, outcome.submission_key) == 8
    penalties = rocketpool.system.contract("rocketNetworkPenalties").functions
    assert penalties.getVoteCount(MINIPOOL, block).call() == 8
    assert "Penalty already applied" in revert_reason(rocketpool, rocketpool.members[8], block)


def test_a_crossing_vote_past_saturns_weekly_penalty_limit_is_consensus_refused(rocketpool):
    """RPIP-52 caps penalties network-wide per rolling week (1,000 at least through the setter;
    written to 1 here): the next penalty's votes count until the crossing one, whose application
    reverts, and with it every identical vote after."""
    setting = keccak(keccak(b"dao.protocol.setting.minipool") + b"minipool.maximum.penalty.count")
    plant_minipool(rocketpool, MINIPOOL)
    rocketpool.upgrade_to_saturn()
    set_storage(rocketpool, UINT_STORAGE_SLOT, setting, 1)
    first, _ = voting_block(rocketpool)
    submit(rocketpool, rocketpool.members[:8], first)
    second, _ = voting_block(rocketpool)
    submit(rocketpool, rocketpool.members[:7], second)
    (crossing,) = submit(rocketpool, rocketpool.members[7:8], second, check=False)
    assert crossing.receipt["status"] == 0
    index(rocketpool)
    applied = consensus_of("penalty", f"{MINIPOOL}:{first}")
    refused = consensus_of("penalty", f"{MINIPOOL}:{second}")
    assert applied.status == Consensus.Status.REACHED, applied.mismatch_reason
    assert refused.status == Consensus.Status.REFUSED, refused.mismatch_reason
    assert refused.crossing_submission.tx_hash == crossing.tx_hash
    assert refused.crossing_submission.revert_reason == "Max penalty exceeded"
    assert (refused.vote_count, refused.member_count) == (8, 15)
