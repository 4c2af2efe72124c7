"""Megapool penalties on the real RocketMegapoolPenalties (Saturn): a PenaltySubmitted with a
topic0 of its own, a counter per (megapool, block, amount), PenaltyApplied in the crossing vote,
and late votes that revert."""

import pytest
from web3 import Web3

from tests.rocketpool_votes import ETHER, consensus_of, index, storage_uint, votes, voting_block
from votes.devnet.protocol.oracle_dao import call
from votes.models import Consensus, Submission, UndecodableLog

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


def deploy_megapool(rocketpool, owner) -> str:
    """A node's megapool, deployed the real way (RocketNodeManager.deployMegapool)."""
    rocketpool.run([call(rocketpool.system, owner.signer, "rocketNodeManager", "deployMegapool")])
    factory = rocketpool.system.contract("rocketMegapoolFactory").functions
    return Web3.to_checksum_address(factory.getExpectedAddress(owner.address).call())


def penalise(rocketpool, members, megapool, block, amount, check=True):
    planned = votes(rocketpool, members, "rocketMegapoolPenalties", "penalise", megapool, block,
                    amount)  # fmt: skip
    return rocketpool.run(planned, check=check)


def test_a_megapool_penalty_applies_at_the_threshold_and_late_votes_revert(rocketpool):
    rocketpool.upgrade_to_saturn()
    megapool = deploy_megapool(rocketpool, rocketpool.members[14])
    block, _ = voting_block(rocketpool)
    penalise(rocketpool, rocketpool.members[:2], megapool, block, 2 * ETHER)
    penalise(rocketpool, rocketpool.members[2:10], megapool, block, ETHER)
    (late,) = penalise(rocketpool, rocketpool.members[10:11], megapool, block, ETHER, check=False)
    assert late.receipt["status"] == 0
    index(rocketpool)
    assert not UndecodableLog.objects.exists()
    outcome = consensus_of("megapool_penalty", f"{megapool}:{block}")
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.onchain_update.tx_hash == outcome.crossing_submission.tx_hash
    assert outcome.values["amount"] == str(ETHER)
    assert (outcome.vote_count, outcome.dissent_count) == (8, 2)
    contract = rocketpool.system.contract("rocketMegapoolPenalties").functions
    for amount, expected in ((ETHER, 8), (2 * ETHER, 2)):
        (key,) = set(
            Submission.objects.filter(values__amount=str(amount)).values_list(
                "submission_key", flat=True
            )
        )
        assert storage_uint(rocketpool, key) == expected
        assert contract.getVoteCount(megapool, block, amount).call() == expected
    debt = rocketpool.system.at("RocketMegapoolDelegate", megapool).functions.getDebt().call()
    assert debt == ETHER
