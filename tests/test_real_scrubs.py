"""Scrub votes on real minipools, through the index. A deposited minipool's scrub logs the
user ETH's `EtherWithdrawn` before `MinipoolScrubbed` and, with `minipool.scrub.penalty.enabled`,
sends 2.4 ETH of the node's bond with it; the index still names the crossing vote. A vote
after the scrub, or a second vote by one member, reverts in the minipool: both are reverted votes
with the minipool's reason, and a non-member's vote is nobody's evidence."""

import pytest
from eth_account import Account
from web3.logs import DISCARD

from tests.rocketpool_votes import ETHER, consensus_of, index
from votes.devnet.protocol import validator_duties as duties
from votes.devnet.protocol.oracle_dao import call
from votes.devnet.protocol.validator_setup import (
    add_node_operator,
    add_prelaunch_minipool,
    new_participant,
)
from votes.devnet.protocol.validators import minipool_contract
from votes.devnet.transactions import Signer, fund
from votes.models import Consensus, Member, Submission

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
QUORUM = 8  # of 15 members, quorum 0.51: the vote that makes more than 7


def prelaunch_minipool(rocketpool, vacant: bool) -> tuple[str, str]:
    node = new_participant(rocketpool, "node", 0)
    add_node_operator(rocketpool, node, minipools=1)
    return add_prelaunch_minipool(rocketpool, node, salt=1, vacant=vacant).address, node.address


def scrub(rocketpool, minipool: str, signers: list, check: bool = True):
    planned = [duties.vote_scrub(rocketpool.system, signer, minipool) for signer in signers]
    return rocketpool.run(planned, check=check)


SCRUB_PENALTY = 24 * ETHER // 10  # RocketMinipoolDelegate's scrubPenalty, taken from the bond


def test_a_penalised_scrub_of_a_deposited_minipool_is_consensus_at_its_crossing_vote(rocketpool):
    rocketpool.run([call(rocketpool.system, rocketpool.guardian, "rocketDAONodeTrusted",
                         "bootstrapSettingBool", "rocketDAONodeTrustedSettingsMinipool",
                         "minipool.scrub.penalty.enabled", True)])  # fmt: skip
    minipool, _ = prelaunch_minipool(rocketpool, vacant=False)
    contract = minipool_contract(rocketpool.system, minipool)
    user_eth = contract.functions.getUserDepositBalance().call()
    sent = scrub(rocketpool, minipool, [m.signer for m in rocketpool.members[:QUORUM]])
    (withdrawn,) = contract.events.EtherWithdrawn().process_receipt(sent[-1].receipt, DISCARD)
    assert withdrawn["args"]["amount"] == user_eth + SCRUB_PENALTY
    index(rocketpool)
    outcome = consensus_of("scrub", minipool)
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission.tx_hash == sent[-1].tx_hash
    assert outcome.onchain_update.tx_hash == sent[-1].tx_hash
    assert (outcome.vote_count, outcome.member_count) == (QUORUM, 15)


def test_votes_after_the_scrub_and_repeated_votes_are_reverted_evidence(rocketpool):
    minipool, _ = prelaunch_minipool(rocketpool, vacant=True)
    m = rocketpool.members
    scrub(rocketpool, minipool, [member.signer for member in m[:3]])
    (again,) = scrub(rocketpool, minipool, [m[0].signer], check=False)
    scrub(rocketpool, minipool, [member.signer for member in m[3:QUORUM]])
    (late,) = scrub(rocketpool, minipool, [m[QUORUM].signer], check=False)
    outsider = Signer(Account.create())
    fund(rocketpool.chain.w3, outsider.address, ETHER)
    scrub(rocketpool, minipool, [outsider], check=False)
    index(rocketpool)
    reverted = {vote.tx_hash: vote for vote in Submission.objects.filter(reverted=True)}
    assert set(reverted) == {late.tx_hash, again.tx_hash}
    assert reverted[late.tx_hash].revert_reason == (
        "The minipool can only be scrubbed while in prelaunch"
    )
    assert (
        reverted[late.tx_hash].late and reverted[late.tx_hash].member.address == m[QUORUM].address
    )
    assert reverted[again.tx_hash].revert_reason == "Member has already voted to scrub"
    assert not reverted[again.tx_hash].late
    assert not Member.objects.filter(address=outsider.address).exists()
    assert consensus_of("scrub", minipool).status == Consensus.Status.REACHED
