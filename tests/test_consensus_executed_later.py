"""A value applied later by executeUpdateBalances (after members left) is consensus, not an
indexer mismatch: the votes were cast earlier, the applying transaction is no vote."""

import pytest

from tests.test_devnet_consensus import Odao
from votes.chain.networks import NetworkConfig
from votes.indexing.indexer import Indexer
from votes.models import Consensus

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
TOTAL = 400_000 * 10**18


def test_execution_after_members_left_is_reached_consensus(devnet):
    chain, deployment = devnet
    odao = Odao(chain, deployment)
    balances = odao.current("rocketNetworkBalances")
    arguments = [odao.round_block, TOTAL, TOTAL * 95 // 100, TOTAL * 90 // 100]
    for member in odao.members[:7]:  # 7 of 15 is 46.7%: not enough
        odao.transact(member, balances, "submitBalances", arguments)
    actions = odao.current("rocketDAONodeTrustedActions")
    for member in odao.members[13:]:  # two silent members are kicked: 7 of 13 is 53.8%
        odao.transact(odao.guardian, actions, "actionKick", [member.address, 0])
    executed = odao.transact(odao.guardian, balances, "executeUpdateBalances", arguments)
    assert executed["status"] == 1
    config = NetworkConfig("devnet", deployment.rpc_url, deployment.rocket_storage,
                           deployment.deploy_block)  # fmt: skip
    Indexer(config, confirmations=0).run_pass()
    consensus = Consensus.objects.get(round__duty="balances", round__key=str(odao.round_block))
    assert consensus.status == Consensus.Status.REACHED, consensus.mismatch_reason
    assert consensus.crossing_submission is None
    assert (consensus.vote_count, consensus.member_count) == (7, 13)
    assert consensus.onchain_update.tx_hash == executed["transactionHash"].to_0x_hex()
    assert consensus.round.submissions.filter(agrees_with_consensus=True).count() == 7
