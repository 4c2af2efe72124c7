"""A contract upgraded by the oDAO itself, the way mainnet upgrades between releases: a proposal
voted and executed by members. In v1.3.1 it re-points the name at once (ContractUpgraded); in
v1.4 it waits out the security council's veto window (UpgradePending), then a member's
`RocketDAONodeTrustedUpgrade.execute` applies it. Either way the registry finds the new address
from RocketStorage at the block it changed, and votes sent to it are indexed and counted."""

import pytest
from web3.logs import DISCARD

from tests.rocketpool_votes import ETHER, consensus_of, index, voting_block
from votes.chain.storage_keys import contract_address_key
from votes.devnet.protocol import oracle_dao
from votes.devnet.protocol.deployer import Deployer, compress_abi
from votes.devnet.protocol.oracle_dao import PlannedTx, call, encode_payload
from votes.models import Consensus, ContractAddress

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
NAME = "rocketNetworkPrices"


def deploy_replacement(rocketpool) -> str:
    """A fresh instance of the contract the name points to now (same release, new address)."""
    system = rocketpool.system
    tag, artifact = system.release(NAME), system.artifact_name(NAME)
    deployer = Deployer(rocketpool.chain, rocketpool.guardian, system.contracts)
    return deployer.deploy(tag, artifact, system.address("rocketStorage"))


def pass_upgrade_proposal(rocketpool, new_address: str) -> list:
    """Propose, wait out the vote delay, vote with a quorum and execute; the execution's sent tx."""
    system, m = rocketpool.system, rocketpool.members
    abi = compress_abi(system.contract(NAME).abi)
    payload = encode_payload("proposalUpgrade(string,string,string,address)",
                             ["string", "string", "string", "address"],
                             ["upgradeContract", NAME, abi, new_address])  # fmt: skip
    proposal = oracle_dao.next_proposal_id(system)
    voters = [member.signer for member in m[: oracle_dao.quorum_votes(system)]]
    rocketpool.run([oracle_dao.propose(system, m[0].signer, f"upgrade {NAME}", payload)])
    delay = oracle_dao.PROPOSAL_SETTINGS["proposal.vote.delay.time"]
    rocketpool.chain.mine(rocketpool.chain.timestamp + delay + 12)
    rocketpool.run(oracle_dao.votes_for(system, voters, proposal))
    (executed,) = rocketpool.run([oracle_dao.execute(system, m[0].signer, proposal)])
    return executed


def storage_address(rocketpool, name: str) -> str:
    storage = rocketpool.system.contract("rocketStorage").functions
    return storage.getAddress(contract_address_key(name)).call()


def upgraded_logs(rocketpool, event: str, receipt) -> list:
    upgrade = rocketpool.system.contract("rocketDAONodeTrustedUpgrade")
    return getattr(upgrade.events, event)().process_receipt(receipt, errors=DISCARD)


@pytest.mark.parametrize("saturn", [False, True], ids=["houston", "saturn"])
def test_an_odao_voted_upgrade_is_found_at_its_block_and_its_votes_count(rocketpool, saturn):
    if saturn:
        rocketpool.upgrade_to_saturn()
    old, new = storage_address(rocketpool, NAME), deploy_replacement(rocketpool)
    executed = pass_upgrade_proposal(rocketpool, new)
    if saturn:
        (pending,) = upgraded_logs(rocketpool, "UpgradePending", executed.receipt)
        assert storage_address(rocketpool, NAME) == old  # the veto window is still open
        window = rocketpool.system.contract("rocketDAOProtocolSettingsSecurity")
        rocketpool.chain.mine(
            rocketpool.chain.timestamp + window.functions.getUpgradeDelay().call()
        )
        (executed,) = rocketpool.run([call(rocketpool.system, rocketpool.members[1].signer,
                                           "rocketDAONodeTrustedUpgrade", "execute",
                                           pending["args"]["upgradeProposalID"])])  # fmt: skip
    (upgraded,) = upgraded_logs(rocketpool, "ContractUpgraded", executed.receipt)
    assert (upgraded["args"]["oldAddress"], upgraded["args"]["newAddress"]) == (old, new)
    assert storage_address(rocketpool, NAME) == new
    changed_at = executed.receipt["blockNumber"]
    block, slot = voting_block(rocketpool)
    replacement = rocketpool.system.at(rocketpool.system.artifact_name(NAME), new,
                                       rocketpool.system.release(NAME))  # fmt: skip
    rocketpool.run([call_at(replacement, member.signer, "submitPrices", block, slot, ETHER // 100)
                    for member in rocketpool.members[:8]])  # fmt: skip
    index(rocketpool)
    rows = ContractAddress.objects.filter(name=NAME).order_by("from_block")
    assert [(r.address, r.to_block) for r in rows][-2:] == [(old, changed_at - 1), (new, None)]
    assert rows.last().from_block == changed_at
    outcome = consensus_of("prices", block)
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert outcome.crossing_submission.contract_address == new


def call_at(contract, signer, function: str, *args):
    return PlannedTx(signer, contract.address, contract.encode_abi(function, list(args)))
