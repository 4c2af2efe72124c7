"""A scripted fault hits an implementation's members whatever release they run.

`wrong_balance` names an implementation; a member on `smartnode@1.17.3` runs smartnode, so on
the fault's day it misreports totalEth like the members on smartnode's default release. (The
simulator once looked the fault up by the member's label, and releases escaped it.)
"""

import json

import pytest

from tests.conftest import run_simulation
from tests.test_alert_share_scenario import devnet_config
from votes.indexing.indexer import Indexer
from votes.models import Round, Submission

pytestmark = [pytest.mark.chain, pytest.mark.slow]
DAYS, FAULT_DAY, WRONG_PPM = 3, 1, 20_000
TOWERS = ["smartnode@1.17.3", "smartnode", "oraclerust", "smartnode@1.16.0"]
SCENARIO = {
    "members": [{"watchtower": tower} for tower in TOWERS],
    "events": [{"day": FAULT_DAY, "type": "wrong_balance", "implementation": "smartnode",
                "delta_ppm": WRONG_PPM}],
}  # fmt: skip


@pytest.fixture(scope="module")
def faulty_devnet(tmp_path_factory):
    scenario = tmp_path_factory.mktemp("scenario") / "release_fault.json"
    scenario.write_text(json.dumps(SCENARIO))
    yield from run_simulation(days=DAYS, seed=2, scenario=scenario)


@pytest.mark.django_db
def test_wrong_balance_reaches_every_release_of_the_implementation(faulty_devnet):
    _, deployment, result, truth = faulty_devnet
    Indexer(devnet_config(deployment)).run_pass()
    faulty = next(r for r in result.rounds if r.duty == "balances" and r.wrong)
    right, wrong = faulty.values["total_eth"], faulty.wrong["smartnode"]["total_eth"]
    assert wrong - right == right * WRONG_PPM // 1_000_000
    towers = {m["address"]: m["watchtower"] for m in truth["members"]}
    votes = Submission.objects.filter(round=Round.objects.get(duty="balances", key=str(faulty.key)))
    submitted = {towers[v.member.address]: int(v.values["total_eth"]) for v in votes}
    assert {"smartnode@1.17.3", "smartnode@1.16.0", "smartnode", "oraclerust"} <= set(submitted)
    for tower, total in submitted.items():
        expected = wrong if tower.partition("@")[0] == "smartnode" else right
        assert total == expected, f"{tower} submitted {total}"
