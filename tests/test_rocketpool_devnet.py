"""The real Rocket Pool contracts on the devnet: deployed, joined the real way, upgraded."""

import pytest
from eth_utils import keccak

pytestmark = pytest.mark.chain


def test_members_join_through_registration_bond_invite_and_action_join(rocketpool):
    dao = rocketpool.system.contract("rocketDAONodeTrusted").functions
    assert dao.getMemberCount().call() == 15
    bond = rocketpool.system.contract("rocketDAONodeTrustedSettingsMembers").functions
    for member in rocketpool.members:
        assert dao.getMemberIsValid(member.address).call()
        assert dao.getMemberRPLBondAmount(member.address).call() == bond.getRPLBond().call()


def test_the_saturn_upgrade_repoints_names_and_emits_no_event(rocketpool):
    storage = rocketpool.system.contract("rocketStorage").functions
    key = keccak(b"contract.address" + b"rocketNetworkBalances")
    before = storage.getAddress(key).call()
    block = rocketpool.upgrade_to_saturn()
    receipt_logs = rocketpool.chain.w3.eth.get_block(block, full_transactions=False)
    tx_hash = receipt_logs["transactions"][0]
    assert rocketpool.chain.w3.eth.get_transaction_receipt(tx_hash)["logs"] == []
    after = storage.getAddress(key).call()
    assert after != before
    assert after == rocketpool.system.address("rocketNetworkBalances")
    assert storage.getString(keccak(b"protocol.version")).call() == "1.4"
    assert rocketpool.system.contract("rocketNetworkBalances").functions.version().call() == 4
