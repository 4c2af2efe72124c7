"""Balances votes on the real RocketNetworkBalances (v1.3.1, then v1.4 after the real upgrade):
the index's consensus is the contract's BalancesUpdated, its counter key the contract's own."""

import pytest

from tests.rocketpool_votes import (
    consensus_of,
    index,
    packed_key,
    storage_bool,
    storage_uint,
    submit_balances,
    updated_logs,
    voting_block,
)
from votes.devnet.protocol.oracle_dao import call
from votes.models import Consensus, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
VALUES = (1000 * 10**18, 900 * 10**18, 990 * 10**18)  # total, staking, rETH supply
# Set by every vote for a block, whatever its values (the imitation set none).
BLOCK_FLAG = b"network.balances.submitted.node"


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


def split_vote(rocketpool, agreeing: int) -> int:
    """Three members vote one wei more total ETH, the next `agreeing` the VALUES; indexed."""
    block, slot = voting_block(rocketpool)
    other = (VALUES[0] + 1, *VALUES[1:])
    submit_balances(rocketpool, rocketpool.members[:3], block, slot, *other)
    submit_balances(rocketpool, rocketpool.members[3 : 3 + agreeing], block, slot, *VALUES)
    index(rocketpool)
    return block


def test_different_values_count_apart_and_only_the_majority_applies(rocketpool):
    block = split_vote(rocketpool, agreeing=8)
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.REACHED
    assert (outcome.vote_count, outcome.dissent_count) == (8, 3)
    dissent = Submission.objects.filter(round=outcome.round, agrees_with_consensus=False).first()
    assert storage_uint(rocketpool, dissent.submission_key) == 3


def set_network_setting(rocketpool, function: str, path: str, value) -> None:
    rocketpool.run([call(rocketpool.system, rocketpool.guardian, "rocketDAOProtocol", function,
                         "rocketDAOProtocolSettingsNetwork", path, value)])  # fmt: skip


def test_the_index_has_a_vote_exactly_where_the_contract_flags_a_member_for_the_block(rocketpool):
    block = split_vote(rocketpool, agreeing=3)
    indexed = set(
        Submission.objects.filter(round__key=str(block), reverted=False).values_list(
            "member__address", flat=True
        )
    )
    flagged = {m.address for m in rocketpool.members
               if storage_bool(rocketpool, packed_key(BLOCK_FLAG, m.address, block))}  # fmt: skip
    assert indexed == flagged and len(flagged) == 6


@pytest.mark.parametrize("saturn", [False, True], ids=["houston", "saturn"])
def test_votes_while_submissions_are_disabled_are_reverted_evidence(rocketpool, saturn):
    if saturn:
        rocketpool.upgrade_to_saturn()
    set_network_setting(
        rocketpool, "bootstrapSettingBool", "network.submit.balances.enabled", False
    )
    block, slot = voting_block(rocketpool)
    sent = submit_balances(rocketpool, rocketpool.members[:8], block, slot, *VALUES, check=False)
    assert all(item.receipt["status"] == 0 for item in sent)
    index(rocketpool)
    reverted = Submission.objects.filter(reverted=True)
    assert reverted.count() == 8
    assert {vote.revert_reason for vote in reverted} == {
        "Submitting balances is currently disabled"
    }
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.PENDING and outcome.vote_count == 0
    assert not updated_logs(rocketpool, "rocketNetworkBalances", "BalancesUpdated")


def test_houston_applies_staking_above_total_and_saturn_refuses_the_votes(rocketpool):
    """v1.3.1 checks `_stakingEth <= _totalEth` only in executeUpdateBalances, so a majority
    voting staking above total applies it; v1.4 reverts each such vote."""
    impossible = (VALUES[0], VALUES[0] + 1, VALUES[2])
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:8], block, slot, *impossible)
    index(rocketpool)
    houston = consensus_of("balances", block)
    assert houston.status == Consensus.Status.REACHED, houston.mismatch_reason
    assert int(houston.values["staking_eth"]) > int(houston.values["total_eth"])
    rocketpool.upgrade_to_saturn()
    rocketpool.chain.mine(rocketpool.chain.timestamp + 86400)  # RPIP-61's frequency has passed
    block, slot = voting_block(rocketpool)
    sent = submit_balances(rocketpool, rocketpool.members[:8], block, slot, *impossible,
                           check=False)  # fmt: skip
    assert all(item.receipt["status"] == 0 for item in sent)
    index(rocketpool)
    saturn = consensus_of("balances", block)
    reasons = set(saturn.round.submissions.values_list("revert_reason", flat=True))
    assert saturn.status == Consensus.Status.PENDING and reasons == {"Invalid network balances"}
