"""Issue 3's acceptance on the session's 30-day, 15-member, seed-1 simulation (real anvil).

The chain is indexed once for the module; each test then reads (or changes, inside its own
rolled-back transaction) what the indexer stored.
"""

import io
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from reliability.indexer_state import NETWORK, clear_index, db_state, devnet_config, devnet_file
from votes.indexing.indexer import Indexer, PassReport
from votes.indexing.reorg import roll_back
from votes.models import (
    Consensus,
    ContractAddress,
    Member,
    MembershipEvent,
    OnChainUpdate,
    Round,
    Submission,
)

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
CALC_BASE = 10**18
THRESHOLD = 51 * 10**16


@dataclass
class Indexed:
    chain: object
    deployment: object
    truth: dict
    report: PassReport


@pytest.fixture(scope="module")
def indexed(simulated_devnet, django_db_setup, django_db_blocker):
    """One clean pass over the whole simulated history, kept for the module."""
    chain, deployment, _, truth = simulated_devnet
    with django_db_blocker.unblock():
        clear_index()
        report = Indexer(devnet_config(deployment), confirmations=0).run_pass()
        yield Indexed(chain, deployment, truth, report)
        clear_index()


def stored_tx_hashes(duty: str) -> list[str]:
    logged = Submission.objects.filter(round__duty=duty, reverted=False)
    return sorted(logged.values_list("tx_hash", flat=True))


def crossing_count(members: int) -> int:
    """The fewest identical votes that cross the 51% threshold with `members` members."""
    return next(n for n in range(1, members + 1) if CALC_BASE * n // members >= THRESHOLD)


# --- completeness --------------------------------------------------------------------------------


def test_the_pass_covers_the_whole_chain(indexed):
    report = indexed.report
    assert report.to_block == report.head == indexed.chain.w3.eth.block_number
    assert report.bad_logs == 0
    assert report.submissions == sum(indexed.truth["submissions"].values())


def test_every_duty_has_as_many_submissions_as_the_simulator_sent(indexed):
    logged = Submission.objects.filter(reverted=False)
    stored = dict(Counter(logged.values_list("round__duty", flat=True)))
    assert stored == indexed.truth["submissions"]
    assert set(stored) == {"balances", "prices", "rewards", "scrub"}


def test_every_reverted_vote_the_simulator_sent_is_stored_as_one(indexed):
    reverted = {v["tx_hash"] for v in indexed.truth["votes"] if v["status"] != 1}
    stored = set(Submission.objects.filter(reverted=True).values_list("tx_hash", flat=True))
    assert stored == reverted


@pytest.mark.parametrize("duty", ["balances", "prices", "rewards", "scrub"])
def test_the_stored_transactions_are_the_simulated_votes(indexed, duty):
    assert stored_tx_hashes(duty) == sorted(indexed.truth["tx_hashes"][duty])


def test_each_submission_has_the_simulated_member_and_round(indexed):
    expected = {
        vote["tx_hash"]: (vote["member"], vote["duty"], str(vote["round_key"]))
        for vote in indexed.truth["votes"]
        if vote["status"] == 1
    }
    stored = {
        s.tx_hash: (s.member.address, s.round.duty, s.round.key)
        for s in Submission.objects.select_related("member", "round")
    }
    assert stored == expected


def test_every_simulated_round_is_a_round(indexed):
    assert dict(Counter(Round.objects.values_list("duty", flat=True))) == indexed.truth["rounds"]


# --- consensus -----------------------------------------------------------------------------------


def test_every_round_reached_consensus(indexed):
    statuses = Counter(Consensus.objects.values_list("status", flat=True))
    assert statuses == {"reached": Round.objects.count()}
    assert indexed.report.consensus == {"reached": Round.objects.count()}


def test_every_round_has_the_chains_update(indexed):
    assert OnChainUpdate.objects.count() == Round.objects.count()
    assert not Consensus.objects.filter(onchain_update__isnull=True).exists()


def test_the_crossing_vote_is_the_transaction_that_emitted_the_update(indexed):
    outcomes = Consensus.objects.select_related("crossing_submission", "onchain_update")
    for outcome in outcomes:
        crossing, update = outcome.crossing_submission, outcome.onchain_update
        assert crossing.tx_hash == update.tx_hash
        assert crossing.submission_key == update.submission_key == outcome.submission_key
        assert outcome.block_number == crossing.block_number == update.block_number


def test_only_votes_after_the_crossing_vote_are_late(indexed):
    for outcome in Consensus.objects.select_related("crossing_submission"):
        crossing = outcome.crossing_submission
        late = outcome.round.submissions.filter(late=True)
        assert all((s.block_number, s.log_index) > (crossing.block_number, crossing.log_index)
                   for s in late)  # fmt: skip


def test_late_votes_are_only_where_the_contract_accepts_them(indexed):
    """Houston-era balances/prices and rewards record late votes; scrubs and Atlas ones revert."""
    late = Submission.objects.filter(late=True)
    assert late.exists()
    assert set(late.values_list("event_era", flat=True)) <= {"v1.3", "v1.1"}
    assert not late.filter(round__duty="scrub").exists()


# --- membership ----------------------------------------------------------------------------------


def test_membership_history_has_the_join_and_the_leave(indexed):
    kinds = Counter(MembershipEvent.objects.values_list("kind", flat=True))
    assert kinds == {"joined": 16, "left": 1}
    assert Member.objects.count() == 16
    (leaver,) = Member.objects.filter(left_block__isnull=False)
    assert leaver.member_id == "odao-00"
    assert all(m.member_id and m.url for m in Member.objects.all())


def test_member_count_at_each_crossing_comes_from_the_history(indexed):
    joined = MembershipEvent.objects.filter(kind="joined").order_by("block_number").last()
    left = MembershipEvent.objects.get(kind="left")
    assert joined.block_number < left.block_number
    counts = Counter()
    for outcome in Consensus.objects.all():
        if outcome.block_number < joined.block_number:
            expected = 15
        elif outcome.block_number < left.block_number:
            expected = 16
        else:
            expected = 15
        assert outcome.member_count == expected, outcome.round
        assert outcome.vote_count == crossing_count(expected), outcome.round
        counts[expected] += 1
    assert counts[16] > 0 and counts[15] > 0


# --- ABI versions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duty", "old_era", "new_era"), [("balances", "v1.0", "v1.3"), ("prices", "v1.2", "v1.3")]
)
def test_both_abi_versions_of_an_upgraded_contract_are_decoded(indexed, duty, old_era, new_era):
    name = {"balances": "rocketNetworkBalances", "prices": "rocketNetworkPrices"}[duty]
    old, new = ContractAddress.objects.filter(name=name).order_by("from_block")
    votes = Submission.objects.filter(round__duty=duty)
    eras = Counter(votes.values_list("event_era", "contract_address"))
    assert set(eras) == {(old_era, old.address), (new_era, new.address)}
    assert votes.filter(event_era=old_era).latest("block_number").block_number <= old.to_block
    assert votes.filter(event_era=new_era).earliest("block_number").block_number >= new.from_block


def test_only_houston_submissions_carry_a_slot_timestamp(indexed):
    for vote in Submission.objects.filter(round__duty__in=["balances", "prices"]):
        if vote.event_era == "v1.3":
            slot = int(vote.values["slot_timestamp"])
            assert slot == int(vote.round.opened_at.timestamp())
            assert slot <= vote.block_time.timestamp()
        else:
            assert "slot_timestamp" not in vote.values


def test_submitted_values_are_sane(indexed):
    for vote in Submission.objects.filter(round__duty__in=["balances", "prices"]):
        values = vote.values
        assert int(values["block"]) == vote.round.key_block < vote.block_number
        assert int(values["time"]) == int(vote.block_time.timestamp())
        if vote.round.duty == "balances":
            assert int(values["total_eth"]) >= int(values["staking_eth"]) > 0
        else:
            assert int(values["rpl_price"]) > 0
            assert "effective_rpl_stake" not in values  # the v1.0 layout never appears here


# --- idempotency ---------------------------------------------------------------------------------


def test_a_second_pass_adds_nothing(indexed):
    before = db_state()
    report = Indexer(devnet_config(indexed.deployment)).run_pass()
    assert report.submissions == report.blocks == 0
    assert db_state() == before


def test_a_from_block_before_the_checkpoint_duplicates_nothing(indexed):
    before = db_state()
    Indexer(devnet_config(indexed.deployment)).run_pass(from_block=indexed.deployment.deploy_block)
    assert db_state() == before


def test_re_indexing_after_a_rollback_gives_back_the_same_rows(indexed):
    before = db_state()
    head = indexed.chain.w3.eth.block_number
    fork = head - 150
    roll_back(NETWORK, fork, indexed.chain.w3.eth.get_block(fork)["hash"].to_0x_hex())
    assert Submission.objects.count() < len(before["submissions"])
    Indexer(devnet_config(indexed.deployment)).run_pass()
    assert db_state() == before


# --- the management command ----------------------------------------------------------------------


def test_the_index_command_shows_progress_and_a_summary(indexed, capsys):
    before = db_state()
    head = indexed.chain.w3.eth.block_number
    fork = head - 200
    roll_back(NETWORK, fork, indexed.chain.w3.eth.get_block(fork)["hash"].to_0x_hex())
    stdout = io.StringIO()
    with devnet_file(indexed.deployment):
        call_command("index", "--network", "devnet", stdout=stdout)
    summary, progress = stdout.getvalue(), capsys.readouterr().err
    assert f"block {head} of {head}" in progress and "submissions" in progress
    assert f"devnet: blocks {fork + 1}-{head} (200 blocks" in summary
    assert "blocks/s" in summary and "lag 0 blocks" in summary
    assert "'reached'" in summary and "mismatch" not in summary
    assert db_state() == before
