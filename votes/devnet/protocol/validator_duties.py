"""The oDAO members' validator duties on the real contracts, one planned transaction each.

Houston: `voteScrub()` on a prelaunch minipool (the vote after more than
`memberCount x minipool.scrub.quorum` dissolves it) and `RocketNetworkPenalties.submitPenalty`
(a majority for a (minipool, block) counts one penalty; the third and later set a penalty rate,
`PenaltyUpdated`). Saturn adds `RocketMegapoolPenalties.penalise` (a majority applies the ETH
amount as megapool debt, `PenaltyApplied`) and `RocketMegapoolManager.challengeExit` (locks staked
validators; a member may not challenge twice in a row). `voteCancelReduction` exists in both:
Houston's counts votes for any address (no reduction need be pending) and cancels on the vote
after more than `memberCount x 0.51`; Saturn's always reverts ("Minipool bond reductions are no
longer available").

A penalty vote after its majority reverts ("Penalty already applied..."), unlike a late
balances or prices vote.
"""

from votes.devnet.protocol.oracle_dao import PlannedTx, call
from votes.devnet.protocol.system import ProtocolSystem
from votes.devnet.protocol.validators import minipool_contract
from votes.devnet.transactions import Signer


def vote_scrub(system: ProtocolSystem, member: Signer, minipool: str) -> PlannedTx:
    target = minipool_contract(system, minipool)
    return PlannedTx(member, target.address, target.encode_abi("voteScrub", []))


def submit_penalty(system: ProtocolSystem, member: Signer, minipool: str, block: int) -> PlannedTx:
    """`block` identifies the offence; since Saturn it must be before the vote's block."""
    return call(system, member, "rocketNetworkPenalties", "submitPenalty", minipool, block)


def penalise_megapool(system: ProtocolSystem, member: Signer, megapool: str, block: int,
                      amount: int) -> PlannedTx:  # fmt: skip
    """Votes are counted per (megapool, block, amount); `block` must be before the vote's."""
    return call(system, member, "rocketMegapoolPenalties", "penalise", megapool, block, amount)


def challenge_exit(system: ProtocolSystem, member: Signer,
                   challenges: dict[str, list[int]]) -> PlannedTx:  # fmt: skip
    """Challenge megapool validators (megapool -> validator ids, at most 50 in all) that the
    member believes are exiting unannounced; each must be staked, not exiting nor exited."""
    entries = [(megapool, ids) for megapool, ids in challenges.items()]
    return call(system, member, "rocketMegapoolManager", "challengeExit", entries)


def vote_cancel_reduction(system: ProtocolSystem, member: Signer, minipool: str) -> PlannedTx:
    return call(system, member, "rocketMinipoolBondReducer", "voteCancelReduction", minipool)
