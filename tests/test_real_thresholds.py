"""Thresholds read where the real contracts keep them: the consensus and penalty thresholds in
RocketDAOProtocolSettingsNetwork, the scrub quorum in RocketDAONodeTrustedSettingsMinipool, the
megapool penalty threshold in RocketDAOProtocolSettingsMegapool (Saturn), each through the
address RocketStorage gives now (Saturn replaced the network settings contract)."""

import pytest

from reliability.indexer_state import devnet_config
from tests.rocketpool_votes import ETHER, consensus_of, index, submit_balances, voting_block
from votes.chain.client import ChainClient
from votes.devnet.protocol.oracle_dao import call
from votes.indexing.thresholds import read_thresholds, threshold_history
from votes.models import Consensus

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
SETTINGS = (
    ("rocketDAOProtocol", "rocketDAOProtocolSettingsNetwork", "network.consensus.threshold", 60),
    ("rocketDAOProtocol", "rocketDAOProtocolSettingsNetwork", "network.penalty.threshold", 70),
    ("rocketDAONodeTrusted", "rocketDAONodeTrustedSettingsMinipool", "minipool.scrub.quorum", 80),
    ("rocketDAONodeTrusted", "rocketDAONodeTrustedSettingsMinipool",
     "minipool.cancel.bond.reduction.quorum", 90),
)  # fmt: skip


def set_thresholds(rocketpool, settings) -> None:
    rocketpool.run([call(rocketpool.system, rocketpool.guardian, dao, "bootstrapSettingUint",
                         contract, path, percent * ETHER // 100)
                    for dao, contract, path, percent in settings])  # fmt: skip


def thresholds(rocketpool) -> dict[str, int]:
    config = devnet_config(rocketpool.deployment)
    return read_thresholds(ChainClient(config.rpc_url), config)


def test_each_threshold_comes_from_its_own_settings_contract(rocketpool):
    set_thresholds(rocketpool, SETTINGS)
    read = thresholds(rocketpool)
    assert {duty: value * 100 // ETHER for duty, value in read.items()} == {
        "balances": 60, "prices": 60, "rewards": 60, "penalty": 70, "scrub": 80,
        "bond_cancel": 90, "megapool_penalty": 51,  # no megapool settings before Saturn
    }  # fmt: skip


def test_after_the_upgrade_the_replaced_settings_contracts_answer(rocketpool):
    set_thresholds(rocketpool, SETTINGS[:1])
    network = rocketpool.system.address("rocketDAOProtocolSettingsNetwork")
    rocketpool.upgrade_to_saturn()
    assert rocketpool.system.address("rocketDAOProtocolSettingsNetwork") != network
    read = thresholds(rocketpool)
    megapool = rocketpool.system.contract("rocketDAOProtocolSettingsMegapool").functions
    assert read["balances"] == 60 * ETHER // 100  # the setting survives in RocketStorage
    assert read["megapool_penalty"] == megapool.getPenaltyThreshold().call()


def test_the_replay_crosses_where_the_configured_threshold_says(rocketpool):
    set_thresholds(rocketpool, SETTINGS[:1])  # 60%: 9 of 15 (8 of 15 is 53%)
    block, slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:9], block, slot, 10 * ETHER, ETHER, ETHER)
    index(rocketpool)
    outcome = consensus_of("balances", block)
    assert outcome.status == Consensus.Status.REACHED, outcome.mismatch_reason
    assert (outcome.vote_count, int(outcome.threshold)) == (9, 60 * ETHER // 100)


def test_a_threshold_changed_mid_history_decides_each_round_with_the_value_of_its_votes(rocketpool):
    """Rounds before a change crossed at the old threshold, rounds after at the new one; read
    at the head only, the first would show a 9th vote crossing where the chain applied the 8th."""
    first, first_slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:9], first, first_slot, 10 * ETHER, ETHER, ETHER)
    set_thresholds(rocketpool, SETTINGS[:1])  # 51% -> 60%
    changed_at = rocketpool.chain.w3.eth.block_number
    second, second_slot = voting_block(rocketpool)
    submit_balances(rocketpool, rocketpool.members[:9], second, second_slot, 11 * ETHER, ETHER,
                    ETHER)  # fmt: skip
    index(rocketpool)
    before, after = consensus_of("balances", first), consensus_of("balances", second)
    assert before.status == after.status == Consensus.Status.REACHED, (
        before.mismatch_reason + after.mismatch_reason
    )
    assert (before.vote_count, int(before.threshold)) == (8, 51 * ETHER // 100)
    assert (after.vote_count, int(after.threshold)) == (9, 60 * ETHER // 100)
    assert before.block_number < changed_at < after.block_number


def test_the_schedule_bisects_to_the_block_of_each_change(rocketpool):
    start = rocketpool.chain.w3.eth.block_number
    set_thresholds(rocketpool, SETTINGS[:1])
    changed_at = rocketpool.chain.w3.eth.block_number
    rocketpool.chain.mine()
    set_thresholds(rocketpool, [(*SETTINGS[0][:3], 70)])
    again = rocketpool.chain.w3.eth.block_number
    rocketpool.chain.mine()
    config = devnet_config(rocketpool.deployment)
    schedule = threshold_history(ChainClient(config.rpc_url), config, start, again + 1)["prices"]
    assert schedule.blocks == [start, changed_at, again]
    assert [v * 100 // ETHER for v in schedule.values] == [51, 60, 70]
    assert schedule.at(changed_at - 1) == 51 * ETHER // 100
