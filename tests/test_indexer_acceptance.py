"""Issue 3's acceptance on the session's 30-day, 15-member, seed-1 simulation (real anvil,
the real Rocket Pool: v1.3.1, then v1.4 from the Saturn upgrade day).

The chain is indexed once for the module; each test then reads (or changes, inside its own
rolled-back transaction) what the indexer stored.
"""

import io
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from reliability.indexer_state import NETWORK, clear_index, db_state, devnet_config, devnet_file
from votes.consensus import rule_of
from votes.indexing.indexer import Indexer, PassReport
from votes.indexing.reorg import roll_back
from votes.models import (
    Consensus,
    ContractAddress,
    Member,
    MembershipEvent,
    Round,
    Submission,
)

pytestmark = [pytest.mark.chain, pytest.mark.django_db]
CALC_BASE = 10**18
THRESHOLD = 51 * 10**16
DUTIES = ["balances", "prices", "rewards", "scrub", "penalty", "bond_cancel", "megapool_penalty"]
# Duties where a vote after the value was applied is recorded; elsewhere it reverts.
RECORDED_LATE = {"balances", "prices", "rewards"}


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
    assert set(stored) == set(DUTIES)


def test_every_reverted_vote_the_simulator_sent_is_stored_as_one(indexed):
    reverted = {v["tx_hash"] for v in indexed.truth["votes"] if v["status"] != 1}
    stored = set(Submission.objects.filter(reverted=True).values_list("tx_hash", flat=True))
    assert stored == reverted


@pytest.mark.parametrize("duty", DUTIES)
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
        for s in Submission.objects.filter(reverted=False).select_related("member", "round")
    }
    assert stored == expected


def test_every_simulated_round_that_got_a_vote_is_a_round(indexed):
    """A round nobody voted in leaves nothing on chain; every other one is indexed once."""
    voted = {(vote["duty"], str(vote["round_key"])) for vote in indexed.truth["votes"]}
    assert dict(Counter(Round.objects.values_list("duty", flat=True))) == dict(
        Counter(duty for duty, _ in voted)
    )
    assert set(Round.objects.values_list("duty", "key")) == voted


# --- consensus -----------------------------------------------------------------------------------


def test_every_value_round_reached_consensus_and_nothing_is_a_mismatch(indexed):
    """Balances, prices, rewards and scrubs always gather a majority here; penalties and cancels
    may not (only some implementations perform them). The index never disagrees with the chain."""
    statuses = Counter(Consensus.objects.values_list("status", flat=True))
    assert "mismatch" not in statuses
    assert sum(statuses.values()) == Round.objects.count()
    always = Consensus.objects.filter(round__duty__in=["balances", "prices", "rewards", "scrub"])
    assert set(always.values_list("status", flat=True)) == {"reached"}


def test_every_reached_round_has_the_chains_update_where_the_contract_logs_one(indexed):
    """v1.3.1 logs nothing when a penalty applies (PenaltyUpdated only from a third penalty):
    those rounds are reached on the votes alone."""
    reached = Consensus.objects.filter(status="reached").select_related("crossing_submission")
    for outcome in reached:
        rule = rule_of(outcome.round.duty, outcome.crossing_submission.event_era)
        assert (outcome.onchain_update_id is not None) == (rule.updated is not None), outcome.round


def test_the_crossing_vote_is_the_transaction_that_emitted_the_update(indexed):
    outcomes = Consensus.objects.select_related("crossing_submission", "onchain_update")
    for outcome in outcomes.filter(onchain_update__isnull=False):
        crossing, update = outcome.crossing_submission, outcome.onchain_update
        assert crossing.tx_hash == update.tx_hash
        assert crossing.submission_key == update.submission_key == outcome.submission_key
        assert outcome.block_number == crossing.block_number == update.block_number


def test_only_votes_after_the_crossing_vote_are_late(indexed):
    """In chain order: a reverted vote has no log, so its place is its transaction's."""
    for outcome in Consensus.objects.filter(crossing_submission__isnull=False):
        crossing = outcome.crossing_submission
        late = outcome.round.submissions.filter(late=True)
        assert all((s.block_number, s.tx_index) > (crossing.block_number, crossing.tx_index)
                   for s in late)  # fmt: skip


def test_late_votes_are_only_where_the_contract_accepts_them(indexed):
    """Balances, prices and rewards record a late vote; a late scrub or penalty vote reverts,
    and is indexed as a reverted vote."""
    logged_late = Submission.objects.filter(late=True, reverted=False)
    assert logged_late.exists()
    assert set(logged_late.values_list("round__duty", flat=True)) <= RECORDED_LATE
    reverted_late = Submission.objects.filter(late=True, reverted=True)
    assert reverted_late.exclude(round__duty__in=RECORDED_LATE).exists()


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
    for outcome in Consensus.objects.filter(crossing_submission__isnull=False):
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
    ("duty", "old_era", "new_era"), [("balances", "v1.3", "v1.3"), ("rewards", "v1.1", "v1.4")]
)
def test_both_releases_of_an_upgraded_contract_are_decoded(indexed, duty, old_era, new_era):
    """Saturn replaced both contracts: balances kept its event layout, rewards changed its
    struct (and so its topics)."""
    name = {"balances": "rocketNetworkBalances", "rewards": "rocketRewardsPool"}[duty]
    old, new = ContractAddress.objects.filter(name=name).order_by("from_block")
    votes = Submission.objects.filter(round__duty=duty, reverted=False)
    eras = Counter(votes.values_list("event_era", "contract_address"))
    assert set(eras) == {(old_era, old.address), (new_era, new.address)}
    on_old, on_new = (
        votes.filter(contract_address=old.address),
        votes.filter(contract_address=new.address),
    )
    assert on_old.latest("block_number").block_number <= old.to_block
    assert on_new.earliest("block_number").block_number >= new.from_block


def test_only_houston_submissions_carry_a_slot_timestamp(indexed):
    for vote in Submission.objects.filter(round__duty__in=["balances", "prices"], reverted=False):
        if vote.event_era == "v1.3":
            slot = int(vote.values["slot_timestamp"])
            assert slot == int(vote.round.opened_at.timestamp())
            assert slot <= vote.block_time.timestamp()
        else:
            assert "slot_timestamp" not in vote.values


def test_submitted_values_are_sane(indexed):
    for vote in Submission.objects.filter(round__duty__in=["balances", "prices"], reverted=False):
        values = vote.values
        assert int(values["block"]) == vote.round.key_block < vote.block_number
        assert int(values["time"]) == int(vote.block_time.timestamp())
        if vote.round.duty == "balances":
            assert int(values["total_eth"]) >= int(values["staking_eth"]) >= 0
            assert int(values["total_eth"]) > 0
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
