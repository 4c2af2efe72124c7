"""The seeded oDAO simulator on real anvil nodes: reproducible, and configured by data files.

Short runs (two or three days of chain time) keep this quick; each run has an anvil of its own.
One end-to-end run of `manage.py simulate --days 30` prints its wall time (issue 2 wants it
under two minutes on the 2-core machine).
"""

import json
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from web3.logs import DISCARD

from tests.conftest import ROOT, run_simulation
from votes.devnet.deploy import contract
from votes.devnet.profiles import ProfileError, load_profiles
from votes.devnet.scenario import ScenarioError, load_scenario
from votes.devnet.summary import printable_summary

simulation = contextmanager(run_simulation)
DAY = 86400
SHORT_DAYS = 3


@pytest.fixture(scope="module")
def short_run():
    """Three days, seed 1, the default history (upgrade and a join on day 1, a leave on day 2)."""
    with simulation(days=SHORT_DAYS, seed=1) as run:
        yield run


def write_json(path, content) -> str:
    path.write_text(json.dumps(content))
    return str(path)


# --- reproducibility -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_run_again():
    """The same three days with the same seed, on a fresh anvil."""
    with simulation(days=SHORT_DAYS, seed=1) as run:
        yield run


@pytest.mark.chain
def test_the_same_seed_gives_the_same_transactions(short_run, short_run_again):
    truth, again = short_run[-1], short_run_again[-1]
    assert sum(len(hashes) for hashes in truth["tx_hashes"].values()) > 50
    assert again["tx_hashes"] == truth["tx_hashes"]


@pytest.mark.chain
def test_the_same_seed_gives_the_same_digest(short_run, short_run_again):
    digests = {
        printable_summary(run[-1])["transactions_sha256"] for run in (short_run, short_run_again)
    }
    assert len(digests) == 1


@pytest.mark.chain
def test_a_different_seed_gives_different_transactions(short_run):
    *_, truth = short_run
    with simulation(days=SHORT_DAYS, seed=2) as (*_, other):
        digest = printable_summary(other)["transactions_sha256"]
        assert digest != printable_summary(truth)["transactions_sha256"]


# --- profiles and scenarios are data -------------------------------------------------------------

GHOST = {
    "version": "0.1.0",
    "tx_type": 2,
    "fee": {"rule": "fixed", "max_fee_gwei": 95, "priority_gwei": 7},
    "gas_limit": {"rule": "fixed", "gas": 1500000},
    "finality_minutes": 90,
    "poll_minutes": [1, 2],
    "task_gap_seconds": 60,
    "duties": ["prices", "balances"],
    "late_votes": False,
}


def test_extra_profiles_are_loaded_from_json(tmp_path):
    path = write_json(tmp_path / "profiles.json", {"watchtowers": {"ghostwatch": GHOST}})
    profiles = load_profiles(path)
    assert profiles.watchtowers["ghostwatch"].fee["max_fee_gwei"] == 95
    assert "smartnode" in profiles.watchtowers


def test_the_shipped_profiles_describe_at_least_four_watchtowers():
    assert len(load_profiles().watchtowers) >= 4


@pytest.mark.parametrize(
    "broken, message",
    [
        ({k: v for k, v in GHOST.items() if k != "fee"}, "missing the field 'fee'"),
        ({**GHOST, "tx_type": 3}, "tx_type must be 0 or 2"),
        ({**GHOST, "duties": ["balances", "dancing"]}, "unknown duties ['dancing']"),
    ],
    ids=["missing-field", "bad-tx-type", "unknown-duty"],
)
def test_a_malformed_profile_is_a_clear_error(tmp_path, broken, message):
    path = write_json(tmp_path / "profiles.json", {"watchtowers": {"ghostwatch": broken}})
    with pytest.raises(ProfileError) as raised:
        load_profiles(path)
    assert message in str(raised.value)


def test_simulate_reports_a_malformed_profile_without_a_traceback(tmp_path):
    path = write_json(tmp_path / "profiles.json", {"watchtowers": {"ghostwatch": {}}})
    with pytest.raises(CommandError, match="missing the field"):
        call_command("simulate", "--days", "1", "--profiles", path)


def test_an_unknown_scenario_event_is_a_clear_error(tmp_path):
    path = write_json(tmp_path / "scenario.json", {"events": [{"day": 1, "type": "meteor"}]})
    with pytest.raises(ScenarioError, match="unknown scenario event type 'meteor'"):
        load_scenario(path, days=3)


def test_simulate_reports_an_unknown_scenario_event_without_a_traceback(tmp_path):
    path = write_json(tmp_path / "scenario.json", {"events": [{"day": 1, "type": "meteor"}]})
    with pytest.raises(CommandError, match="meteor"):
        call_command("simulate", "--days", "1", "--scenario", path)


# --- scripted scenarios --------------------------------------------------------------------------


def submitted_total_eth(chain, deployment, tx_hash: str) -> int:
    """totalEth of a mined balances vote, decoded from its BalancesSubmitted log."""
    receipt = chain.w3.eth.get_transaction_receipt(tx_hash)
    era = next(e for e in deployment.eras if e.address.lower() == receipt["to"].lower())
    target = contract(chain.w3, era.solidity, era.address)
    (event,) = target.events.BalancesSubmitted().process_receipt(receipt, errors=DISCARD)
    return event["args"]["totalEth"]


def balances_round_on_day(result, day: int):
    return next(
        r
        for r in result.rounds
        if r.duty == "balances" and (r.opened_at - result.started_at) // DAY == day
    )


def reported_total_eth(run, day: int) -> dict[str, set[int]]:
    """{watchtower: the totalEth values its members put on-chain} for that day's round."""
    chain, deployment, result, _ = run
    sim_round = balances_round_on_day(result, day)
    reported: dict[str, set[int]] = {}
    for vote in result.votes:
        if vote.duty == "balances" and vote.round_key == sim_round.key and vote.status == 1:
            value = submitted_total_eth(chain, deployment, vote.tx_hash)
            reported.setdefault(vote.watchtower, set()).add(value)
    return reported


def beacon_total_eth(run, day: int) -> int:
    """What the protocol's state and the simulated beacon chain make of the round's block: the
    correct answer (tests/test_beacon_balances.py checks it against towerwatch's reference)."""
    _, _, result, _ = run
    return balances_round_on_day(result, day).values["total_eth"]


@pytest.fixture(scope="module")
def wrong_balance_run(tmp_path_factory):
    """smartnode's members misreport totalEth by +2% in day 1's round."""
    event = {"day": 1, "type": "wrong_balance", "implementation": "smartnode", "delta_ppm": 20_000}
    scenario = {"houston_upgrade_day": None, "events": [event]}
    path = write_json(tmp_path_factory.mktemp("scenario") / "wrong.json", scenario)
    with simulation(days=SHORT_DAYS, seed=1, scenario=path) as run:
        yield run


@pytest.mark.chain
def test_wrong_balance_makes_that_implementation_submit_a_different_total(wrong_balance_run):
    correct = beacon_total_eth(wrong_balance_run, day=1)
    reported = reported_total_eth(wrong_balance_run, day=1)
    assert reported.pop("smartnode") == {correct * 1_020_000 // 1_000_000}
    assert reported and all(values == {correct} for values in reported.values())


@pytest.mark.chain
def test_wrong_balance_touches_only_its_round(wrong_balance_run):
    correct = beacon_total_eth(wrong_balance_run, day=2)
    assert reported_total_eth(wrong_balance_run, day=2)["smartnode"] == {correct}


@pytest.mark.chain
@pytest.mark.parametrize(
    "watchtower, share, members_before, members_after",
    [("lighttower", 0.6, 2, 9), ("smartnode", 0.2, 6, 3)],
    ids=["up", "down"],
)
def test_reach_share_moves_the_share(tmp_path, watchtower, share, members_before, members_after):
    event = {"day": 1, "type": "reach_share", "watchtower": watchtower, "share": share}
    path = write_json(tmp_path / "share.json", {"houston_upgrade_day": None, "events": [event]})
    with simulation(days=2, seed=1, scenario=path) as (*_, truth):
        before = [m["history"][0]["watchtower"] for m in truth["members"]]
        after = [m["watchtower"] for m in truth["members"]]
    assert (before.count(watchtower), after.count(watchtower)) == (members_before, members_after)


# --- membership churn on-chain -------------------------------------------------------------------


def membership_events(run, name: str) -> list:
    chain, deployment, _, _ = run
    actions = contract(
        chain.w3, "RocketDAONodeTrustedActions", deployment.current("rocketDAONodeTrustedActions")
    )
    return list(actions.events[name].get_logs(from_block=deployment.deploy_block))


def member_count(run, block: int) -> int:
    chain, deployment, _, _ = run
    trusted = contract(chain.w3, "RocketDAONodeTrusted", deployment.current("rocketDAONodeTrusted"))
    return trusted.functions.getMemberCount().call(block_identifier=block)


@pytest.mark.chain
def test_a_scripted_join_adds_a_member_on_chain(short_run):
    joined = membership_events(short_run, "ActionJoined")
    assert len(joined) == 16
    block = joined[-1]["blockNumber"]
    assert (member_count(short_run, block - 1), member_count(short_run, block)) == (15, 16)


@pytest.mark.chain
def test_a_scripted_leave_removes_the_member_on_chain(short_run):
    *_, truth = short_run
    (left,) = membership_events(short_run, "ActionLeave")
    block = left["blockNumber"]
    assert left["args"]["nodeAddress"] == truth["members"][0]["address"]
    assert (member_count(short_run, block - 1), member_count(short_run, block)) == (16, 15)


@pytest.mark.chain
def test_the_ground_truth_records_the_leave_time(short_run):
    chain, _, _, truth = short_run
    (left,) = membership_events(short_run, "ActionLeave")
    assert (
        truth["members"][0]["left_at"] == chain.w3.eth.get_block(left["blockNumber"])["timestamp"]
    )


# --- the command, end to end ---------------------------------------------------------------------


@pytest.mark.chain
@pytest.mark.slow
def test_simulate_thirty_days_of_fifteen_members(tmp_path):
    command = [sys.executable, "manage.py", "simulate", "--members", "15", "--days", "30",
               "--seed", "1", "--truth", str(tmp_path / "truth.json")]  # fmt: skip
    started = time.monotonic()
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    print(f"simulate --members 15 --days 30 --seed 1: {elapsed:.1f} s")
    assert finished.returncode == 0, finished.stderr[-3000:]
    summary = json.loads(finished.stdout)
    assert summary["rounds"]["balances"] == 30 and summary["rounds"]["rewards"] == 4
