"""Membership on the real RocketDAONodeTrustedActions: a successful challenge removes a member
(and so moves every threshold), a refuted one does not, and ActionKick carries the refund."""

import pytest

from tests.rocketpool_votes import ETHER, consensus_of, index, submit_balances, voting_block
from votes.devnet.protocol import oracle_dao
from votes.devnet.protocol.oracle_dao import call
from votes.models import Consensus, Member, MembershipEvent

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
WEEK = 7 * 86400
VALUES = (1000 * ETHER, 900 * ETHER, 990 * ETHER)


def actions(rocketpool, signer, function, node):
    return call(rocketpool.system, signer, "rocketDAONodeTrustedActions", function, node)


def test_a_successful_challenge_removes_the_member_and_lowers_the_threshold(rocketpool):
    m = rocketpool.members
    rocketpool.run(
        [
            actions(rocketpool, m[1].signer, "actionChallengeMake", m[0].address),
            actions(rocketpool, m[2].signer, "actionChallengeMake", m[3].address),
            actions(rocketpool, m[4].signer, "actionChallengeMake", m[5].address),
        ]
    )
    rocketpool.chain.mine(rocketpool.chain.timestamp + WEEK + 60)
    rocketpool.run(
        [
            actions(rocketpool, m[6].signer, "actionChallengeDecide", m[0].address),
            actions(rocketpool, m[6].signer, "actionChallengeDecide", m[3].address),
            actions(rocketpool, m[5].signer, "actionChallengeDecide", m[5].address),
        ]
    )
    dao = rocketpool.system.contract("rocketDAONodeTrusted").functions
    assert dao.getMemberCount().call() == 13
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, m[6:13], block, slot, *VALUES)  # 7 of 13 crosses; 7 of 15 not
    index(rocketpool)
    removed = MembershipEvent.objects.filter(kind=MembershipEvent.Kind.REMOVED)
    assert sorted(e.member.address for e in removed) == sorted([m[0].address, m[3].address])
    assert Member.objects.get(address=m[5].address).left_block is None  # refuted in time
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert (outcome.vote_count, outcome.member_count) == (7, 13)


def test_action_kick_carries_the_bond_refund_not_the_fine(rocketpool):
    m, system = rocketpool.members, rocketpool.system
    dao = system.contract("rocketDAONodeTrusted").functions
    bond = dao.getMemberRPLBondAmount(m[14].address).call()
    fine = bond // 4
    proposal = oracle_dao.next_proposal_id(system)
    voters = [member.signer for member in m[: oracle_dao.quorum_votes(system)]]
    rocketpool.run([oracle_dao.propose(system, m[0].signer, "kick",
                                       oracle_dao.kick_payload(m[14].address, fine))])  # fmt: skip
    delay = oracle_dao.PROPOSAL_SETTINGS["proposal.vote.delay.time"]
    rocketpool.chain.mine(rocketpool.chain.timestamp + delay + 12)
    rocketpool.run(oracle_dao.votes_for(system, voters, proposal),
                   [oracle_dao.execute(system, m[0].signer, proposal)])  # fmt: skip
    (kick,) = (
        system.contract("rocketDAONodeTrustedActions").events.ActionKick().get_logs(from_block=0)
    )
    assert kick["args"]["rplBondAmount"] == bond - fine
    index(rocketpool)
    event = MembershipEvent.objects.get(kind=MembershipEvent.Kind.KICKED)
    assert event.member.address == m[14].address
    assert Member.objects.filter(left_block__isnull=True).count() == 14
