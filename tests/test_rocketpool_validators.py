"""Minipools, megapools and validators made through the real contracts, and the oDAO's validator
duties acting on them: scrubs, penalties, megapool penalties, exit challenges, rETH deposits."""

import pytest
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from votes.devnet.protocol import validator_duties as duties
from votes.devnet.protocol.validator_setup import (
    add_megapool,
    add_node_operator,
    add_prelaunch_minipool,
    mint_reth,
    new_participant,
)
from votes.devnet.protocol.validators import minipool_contract

pytestmark = pytest.mark.chain

ETHER = 10**18
PRELAUNCH, DISSOLVED = 1, 4
QUORUM = 8  # of 15 members: more than 15 x 0.51 (scrubs), at least 51% (penalties)


def logs(contract, event: str, sent) -> list:
    """The `event`s of `contract` in the receipts of `sent` transactions, in order."""
    decoder = getattr(contract.events, event)()
    return [log for item in sent for log in decoder.process_receipt(item.receipt, errors=DISCARD)]


def signers(rocketpool, count: int) -> list:
    return [member.signer for member in rocketpool.members[:count]]


def prelaunch_minipool(rocketpool, vacant: bool):
    node = new_participant(rocketpool, "node", 0)
    add_node_operator(rocketpool, node, minipools=1)
    return add_prelaunch_minipool(rocketpool, node, salt=1, vacant=vacant)


def scrub(rocketpool, minipool: str, voters: list):
    return rocketpool.run([duties.vote_scrub(rocketpool.system, v, minipool) for v in voters])


def test_a_quorum_of_vote_scrub_calls_dissolves_a_vacant_minipool(rocketpool):
    minipool = prelaunch_minipool(rocketpool, vacant=True)
    contract = minipool_contract(rocketpool.system, minipool.address)
    assert contract.functions.getStatus().call() == PRELAUNCH
    below = scrub(rocketpool, minipool.address, signers(rocketpool, QUORUM - 1))
    assert len(logs(contract, "ScrubVoted", below)) == QUORUM - 1
    assert logs(contract, "MinipoolScrubbed", below) == []
    assert contract.functions.getStatus().call() == PRELAUNCH
    deciding = scrub(rocketpool, minipool.address, [rocketpool.members[QUORUM - 1].signer])
    assert len(logs(contract, "MinipoolScrubbed", deciding)) == 1
    assert contract.functions.getStatus().call() == DISSOLVED


def test_scrubbing_a_deposited_minipool_returns_the_user_eth_first(rocketpool):
    minipool = prelaunch_minipool(rocketpool, vacant=False)
    contract = minipool_contract(rocketpool.system, minipool.address)
    assert contract.functions.getStatus().call() == PRELAUNCH
    assert not contract.functions.getVacant().call()
    user_eth = contract.functions.getUserDepositBalance().call()
    sent = scrub(rocketpool, minipool.address, signers(rocketpool, QUORUM))
    withdrawn, scrubbed = (
        logs(contract, "EtherWithdrawn", sent),
        logs(contract, "MinipoolScrubbed", sent),
    )
    assert [log["args"]["amount"] for log in withdrawn] == [user_eth] and len(scrubbed) == 1
    assert withdrawn[0]["logIndex"] < scrubbed[0]["logIndex"]


def penalise_minipool_at(rocketpool, minipool: str, block: int, voters: list):
    return rocketpool.run(
        [duties.submit_penalty(rocketpool.system, v, minipool, block) for v in voters]
    )


def test_the_third_penalty_voted_by_a_majority_sets_a_penalty_rate(rocketpool):
    minipool = prelaunch_minipool(rocketpool, vacant=True).address
    penalties = rocketpool.system.contract("rocketNetworkPenalties")
    voters = signers(rocketpool, QUORUM)
    for block in (1, 2):
        sent = penalise_minipool_at(rocketpool, minipool, block, voters)
        assert len(logs(penalties, "PenaltySubmitted", sent)) == QUORUM
    assert penalties.functions.getPenaltyCount(minipool).call() == 2
    short = penalise_minipool_at(rocketpool, minipool, 3, voters[:-1])
    assert penalties.functions.getPenaltyCount(minipool).call() == 2
    assert logs(penalties, "PenaltyUpdated", short) == []
    deciding = penalise_minipool_at(rocketpool, minipool, 3, voters[-1:])
    (updated,) = logs(penalties, "PenaltyUpdated", deciding)
    assert (
        updated["args"]["minipoolAddress"] == minipool and updated["args"]["penalty"] == ETHER // 10
    )


def test_minipools_made_before_saturn_are_still_scrubbed_and_penalised_after(rocketpool):
    minipool = prelaunch_minipool(rocketpool, vacant=True).address
    rocketpool.upgrade_to_saturn()
    contract = minipool_contract(rocketpool.system, minipool)
    assert (
        len(
            logs(
                contract,
                "MinipoolScrubbed",
                scrub(rocketpool, minipool, signers(rocketpool, QUORUM)),
            )
        )
        == 1
    )
    penalties = rocketpool.system.contract("rocketNetworkPenalties")
    block = rocketpool.chain.w3.eth.block_number
    sent = penalise_minipool_at(rocketpool, minipool, block, signers(rocketpool, QUORUM))
    (applied,) = logs(penalties, "PenaltyApplied", sent)
    assert applied["args"]["minipool"] == minipool and applied["args"]["block"] == block


@pytest.fixture
def saturn_megapool(rocketpool):
    rocketpool.upgrade_to_saturn()
    node = new_participant(rocketpool, "node", 0)
    (validator,) = add_megapool(rocketpool, node, count=1, staked=True)
    return validator


def test_a_majority_of_penalise_votes_adds_the_penalty_to_the_megapool_debt(
    rocketpool, saturn_megapool
):
    megapool = saturn_megapool.megapool
    assert (
        rocketpool.system.contract("rocketMegapoolFactory")
        .functions.getMegapoolDeployed(saturn_megapool.node.address)
        .call()
    )
    penalties = rocketpool.system.contract("rocketMegapoolPenalties")
    pool = rocketpool.system.at("RocketMegapoolDelegate", megapool)
    block, amount = rocketpool.chain.w3.eth.block_number, ETHER // 2
    votes = [
        duties.penalise_megapool(rocketpool.system, v, megapool, block, amount)
        for v in signers(rocketpool, QUORUM)
    ]
    short = rocketpool.run(votes[:-1])
    assert logs(penalties, "PenaltyApplied", short) == [] and pool.functions.getDebt().call() == 0
    deciding = rocketpool.run(votes[-1:])
    (applied,) = logs(penalties, "PenaltyApplied", deciding)
    assert applied["args"]["megapool"] == megapool and applied["args"]["amount"] == amount
    assert pool.functions.getDebt().call() == amount


def test_challenge_exit_locks_a_staked_megapool_validator(rocketpool, saturn_megapool):
    system, member = rocketpool.system, rocketpool.members[0].signer
    pool = system.at("RocketMegapoolDelegate", saturn_megapool.megapool)
    challenge = duties.challenge_exit(
        system, member, {saturn_megapool.megapool: [saturn_megapool.validator_id]}
    )
    sent = rocketpool.run([challenge])
    (locked,) = logs(pool, "MegapoolValidatorLocked", sent)
    assert locked["args"]["validatorId"] == saturn_megapool.validator_id
    info, _ = pool.functions.getValidatorInfoAndPubkey(saturn_megapool.validator_id).call()
    assert info[11] is True  # locked
    manager = system.contract("rocketMegapoolManager").functions
    again = manager.challengeExit([(saturn_megapool.megapool, [saturn_megapool.validator_id])])
    with pytest.raises(ContractLogicError, match="Member was last to challenge"):
        again.call({"from": member.address})


def test_challenge_exit_needs_a_staked_validator(rocketpool):
    rocketpool.upgrade_to_saturn()
    node = new_participant(rocketpool, "node", 0)
    (validator,) = add_megapool(rocketpool, node, count=1, staked=False)
    manager = rocketpool.system.contract("rocketMegapoolManager").functions
    challenge = manager.challengeExit([(validator.megapool, [validator.validator_id])])
    with pytest.raises(ContractLogicError, match="Validator not staked"):
        challenge.call({"from": rocketpool.members[0].address})


def test_a_quorum_of_houston_cancel_reduction_votes_cancels_the_reduction(rocketpool):
    minipool = prelaunch_minipool(rocketpool, vacant=True).address
    reducer = rocketpool.system.contract("rocketMinipoolBondReducer")
    votes = [
        duties.vote_cancel_reduction(rocketpool.system, v, minipool)
        for v in signers(rocketpool, QUORUM)
    ]
    short = rocketpool.run(votes[:-1])
    assert len(logs(reducer, "CancelReductionVoted", short)) == QUORUM - 1
    assert not reducer.functions.getReduceBondCancelled(minipool).call()
    (cancelled,) = logs(reducer, "ReductionCancelled", rocketpool.run(votes[-1:]))
    assert cancelled["args"]["minipool"] == minipool
    assert reducer.functions.getReduceBondCancelled(minipool).call()


def test_vote_cancel_reduction_reverts_since_saturn(rocketpool):
    minipool = prelaunch_minipool(rocketpool, vacant=True).address
    rocketpool.upgrade_to_saturn()
    reducer = rocketpool.system.contract("rocketMinipoolBondReducer").functions
    with pytest.raises(
        ContractLogicError, match="Minipool bond reductions are no longer available"
    ):
        reducer.voteCancelReduction(minipool).call({"from": rocketpool.members[0].address})


def test_a_staker_deposit_mints_reth_less_the_deposit_fee(rocketpool):
    reth = rocketpool.system.contract("rocketTokenRETH").functions
    fee = (
        rocketpool.system.contract("rocketDAOProtocolSettingsDeposit")
        .functions.getDepositFee()
        .call()
    )
    assert reth.totalSupply().call() == 0
    staker = new_participant(rocketpool, "staker", 0)
    supply = mint_reth(rocketpool, staker, 10 * ETHER)
    assert supply == 10 * ETHER - 10 * fee
    assert reth.balanceOf(staker.address).call() == supply
