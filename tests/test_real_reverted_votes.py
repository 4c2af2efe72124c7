"""Reverted votes on the real contracts are indexed as evidence: a duplicate vote, and a vote
sent by a client still on the old ABI to the retired Houston address after the Saturn upgrade,
each with its member, decoded values, gas and the contract's reason, never counted."""

import pytest

from tests.rocketpool_votes import ETHER, consensus_of, index, submit_balances, voting_block
from votes.devnet.protocol.oracle_dao import PlannedTx
from votes.models import Consensus, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
VALUES = (1000 * ETHER, 900 * ETHER, 990 * ETHER)


def test_a_duplicate_vote_is_a_reverted_vote_with_its_reason(rocketpool):
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:3], block, slot, *VALUES)
    (again,) = submit_balances(rocketpool, rocketpool.members[:1], block, slot, *VALUES,
                               check=False)  # fmt: skip
    index(rocketpool)
    vote = Submission.objects.get(reverted=True)
    assert vote.tx_hash == again.tx_hash and vote.log_index == -1
    assert vote.member.address == rocketpool.members[0].address
    assert vote.revert_reason == "Duplicate submission from node"
    assert vote.values["total_eth"] == str(VALUES[0]) and vote.values["block"] == str(block)
    assert vote.values["time"] == str(int(vote.block_time.timestamp()))
    assert vote.gas_limit == again.planned.gas and 0 < vote.gas_used < vote.gas_limit
    assert consensus_of("balances", block).vote_count == 3  # the reverted one never counts


def test_a_vote_to_the_retired_houston_contract_is_kept_as_evidence(rocketpool):
    old = rocketpool.system.contract("rocketNetworkBalances")
    rocketpool.upgrade_to_saturn()
    block, slot = voting_block(rocketpool)
    member = rocketpool.members[3]
    data = old.encode_abi("submitBalances", [block, slot, *VALUES])
    (sent,) = rocketpool.run([PlannedTx(member.signer, old.address, data)], check=False)
    assert sent.receipt["status"] == 0
    index(rocketpool)
    vote = Submission.objects.get(reverted=True)
    assert vote.contract_address == old.address
    assert vote.revert_reason == "Invalid or outdated contract"
    assert consensus_of("balances", block).status == Consensus.Status.PENDING
