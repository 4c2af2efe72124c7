"""Reverted votes are evidence: a slow watchtower whose every vote reverts is still inferred.

On the real v1.4 contracts, RPIP-61 refuses a balances update less than 95% of the submit
frequency after the last one, and the refusal reverts the crossing vote and every identical
vote after it. With the frequency raised to 36 hours and rounds opening daily, every other
day's round stays open: slowtower (tests/profiles/slowtower.json), which votes only on rounds
it sees unsettled and comes late, votes only then, so each of its votes reverts. Before
reverted votes were indexed, its members had "insufficient data"; now their transactions are
the evidence, and the undeclared ones are recognised from the declared ones.
"""

import json
from pathlib import Path

import pytest

from diversity.fingerprint.catalogue import sync_implementations
from diversity.fingerprint.evaluate import sign_declaration
from diversity.fingerprint.refresh import refresh_assignments
from diversity.models import Assignment
from tests.conftest import run_simulation
from votes.chain.networks import NetworkConfig
from votes.indexing.indexer import Indexer
from votes.models import Consensus, Submission

NETWORK = "devnet"

pytestmark = [pytest.mark.chain, pytest.mark.slow]
PROFILES = Path(__file__).parent / "profiles" / "slowtower.json"
DAYS = 16
SLOW, DECLARED_SLOW, UNDECLARED_SLOW = range(5), range(2), range(2, 5)
OTHERS = ["smartnode"] * 6 + ["oraclerust"] * 4
DECLARED_OTHERS = range(5, 15, 2)
SCENARIO = {
    "members": [{"watchtower": "slowtower"}] * len(SLOW) + [{"watchtower": w} for w in OTHERS],
    "saturn_upgrade_day": 1,
    "events": [{"day": 2, "type": "setting", "contract": "rocketDAOProtocolSettingsNetwork",
                "path": "network.submit.balances.frequency", "value": 36 * 3600}],
}  # fmt: skip


@pytest.fixture(scope="module")
def refused_devnet(tmp_path_factory):
    scenario = tmp_path_factory.mktemp("scenario") / "refusals.json"
    scenario.write_text(json.dumps(SCENARIO))
    yield from run_simulation(days=DAYS, members=len(SCENARIO["members"]), seed=5,
                              scenario=scenario, profiles=PROFILES)  # fmt: skip


@pytest.fixture
def refused(refused_devnet, db):
    """The run indexed in this test's transaction, with some members declared."""
    _, deployment, result, truth = refused_devnet
    config = NetworkConfig(NETWORK, deployment.rpc_url, deployment.rocket_storage,
                           deployment.deploy_block)  # fmt: skip
    Indexer(config, confirmations=0).run_pass()
    sync_implementations(PROFILES)
    for index in [*DECLARED_SLOW, *DECLARED_OTHERS]:
        member = truth["members"][index]
        sign_declaration(NETWORK, member, truth["seed"], member["joined_at"] + 60)
    return result, truth


def test_every_vote_slowtower_sends_reverts_and_is_indexed_as_a_reverted_vote(refused):
    result, truth = refused
    for index in SLOW:
        address = truth["members"][index]["address"]
        sent = [vote for vote in result.votes if vote.member == address]
        assert sent and all(vote.status == 0 for vote in sent)
        indexed = Submission.objects.filter(member__address=address)
        assert indexed.count() == len(sent)
        assert all(row.reverted and "Not enough time has passed" in row.revert_reason
                   for row in indexed)  # fmt: skip


def test_refused_rounds_are_shown_as_consensus_reached_and_refused(refused):
    refused_rounds = Consensus.objects.filter(round__duty="balances",
                                              status=Consensus.Status.REFUSED)  # fmt: skip
    assert refused_rounds.count() >= DAYS // 2 - 2


def test_undeclared_slowtower_members_are_inferred_from_their_reverted_votes(refused):
    _, truth = refused
    refresh = refresh_assignments(NETWORK)
    for index in UNDECLARED_SLOW:
        address = truth["members"][index]["address"]
        assigned = Assignment.objects.get(as_of=refresh.as_of, kind="watchtower",
                                          member__address=address)  # fmt: skip
        assert assigned.source == Assignment.Source.INFERRED, assigned.flags
        assert assigned.implementation.name == "slowtower"
