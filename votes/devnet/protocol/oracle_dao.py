"""oDAO membership the real way: join by registration, RPL bond and invitation; leave and kick
by proposal, vote and execution.

Each operation is a list of stages; the transactions of one stage may share a block, and a
stage needs the previous one mined. Time-gated steps (a proposal's voting delay) are the
caller's to schedule: the simulator runs them at chosen chain times.
"""

from dataclasses import dataclass

from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from votes.devnet.protocol.system import ProtocolSystem
from votes.devnet.transactions import Signer

GOVERNANCE_GAS = 3_000_000
TIMEZONE = "Etc/UTC"
# Proposal timings for the devnet, set while bootstrap mode is on (mainnet's are weeks).
PROPOSAL_SETTINGS = {
    "proposal.vote.delay.time": 600,
    "proposal.cooldown.time": 3600,
}


@dataclass(frozen=True)
class PlannedTx:
    """One transaction to send: who signs it, to which contract (by storage name), what."""

    signer: Signer
    to: str
    data: str
    gas: int = GOVERNANCE_GAS
    value: int = 0


def call(system: ProtocolSystem, signer: Signer, name: str, function: str, *args,
         gas: int = GOVERNANCE_GAS, value: int = 0) -> PlannedTx:  # fmt: skip
    to, data = system.encode(name, function, *args)
    return PlannedTx(signer, to, data, gas=gas, value=value)


def join_stages(system: ProtocolSystem, guardian: Signer, member: Signer, member_id: str,
                url: str) -> list[list[PlannedTx]]:  # fmt: skip
    """Register the node, give it the RPL bond, invite it (bootstrap mode), and join."""
    bond = system.contract("rocketDAONodeTrustedSettingsMembers").functions.getRPLBond().call()
    rpl = system.address("rocketTokenRPL")
    actions = system.address("rocketDAONodeTrustedActions")
    return [
        [
            call(system, member, "rocketNodeManager", "registerNode", TIMEZONE),
            call(system, guardian, "rocketTokenRPLFixedSupply", "mint", member.address, bond),
        ],
        [
            call(system, member, "rocketTokenRPLFixedSupply", "approve", rpl, bond),
            call(system, member, "rocketTokenRPL", "swapTokens", bond),
            call(system, member, "rocketTokenRPL", "approve", actions, bond),
            call(
                system,
                guardian,
                "rocketDAONodeTrusted",
                "bootstrapMember",
                member_id,
                url,
                member.address,
            ),
        ],  # fmt: skip
        [call(system, member, "rocketDAONodeTrustedActions", "actionJoin")],
    ]


def encode_payload(signature: str, types: list[str], args: list) -> bytes:
    return function_signature_to_4byte_selector(signature) + abi_encode(types, args)


def leave_payload(member: str) -> bytes:
    return encode_payload("proposalLeave(address)", ["address"], [member])


def kick_payload(member: str, rpl_fine: int) -> bytes:
    return encode_payload("proposalKick(address,uint256)", ["address", "uint256"],
                          [member, rpl_fine])  # fmt: skip


def propose(system: ProtocolSystem, proposer: Signer, message: str, payload: bytes) -> PlannedTx:
    return call(system, proposer, "rocketDAONodeTrustedProposals", "propose", message, payload)


def next_proposal_id(system: ProtocolSystem) -> int:
    """The id the next proposal will get (ids count from 1)."""
    return system.contract("rocketDAOProposal").functions.getTotal().call() + 1


def votes_for(system: ProtocolSystem, voters: list[Signer], proposal_id: int) -> list[PlannedTx]:
    return [call(system, v, "rocketDAONodeTrustedProposals", "vote", proposal_id, True)
            for v in voters]  # fmt: skip


def execute(system: ProtocolSystem, signer: Signer, proposal_id: int) -> PlannedTx:
    return call(system, signer, "rocketDAONodeTrustedProposals", "execute", proposal_id)


def action_leave(system: ProtocolSystem, member: Signer) -> PlannedTx:
    return call(system, member, "rocketDAONodeTrustedActions", "actionLeave", member.address)


def quorum_votes(system: ProtocolSystem) -> int:
    """How many yes votes a proposal made now needs (the DAO's own figure)."""
    required = system.contract("rocketDAONodeTrusted").functions.getMemberQuorumVotesRequired()
    return -(-required.call() // 10**18)
