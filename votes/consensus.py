"""Consensus exactly as the contracts compute it, replayed from the indexed submissions.

Per duty, votes are replayed in chain order with the rules of the release that took them
(votes/chain/duty_table.py). A vote counts toward its submission key; it crosses when
`1e18 * count // members >= threshold` (balances, prices, rewards, penalties) or when
`votes_before + 1 > members * quorum // 1e18` (scrubs, bond-reduction cancels), with the member
count at that vote. Once a round is settled, later votes for it (or, for the block- and
index-keyed duties, for an older round) are late: recorded, not counted. A reverted vote never
counts; under Saturn's RPIP-61 a reverted balances vote that would have crossed is the contract
refusing the update ("refused"). The result is checked against the contract's own update event;
any difference is an indexer bug and is flagged as a mismatch, never papered over.
"""

import bisect
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from votes.chain.duty_table import (
    QUORUM,
    RELEASES,
    REVERTS,
    duty_rule,
    refusal_reasons,
    release_of_event,
)
from votes.chain.events import EVENTS
from votes.models import Consensus, MembershipEvent, OnChainUpdate, Round, Submission

log = logging.getLogger(__name__)
CALC_BASE = 10**18
DEFAULT_THRESHOLD = 51 * 10**16
EXITS = ("left", "kicked", "removed")
# Duties whose rounds are ordered (a block, a reward index): settling one settles older ones.
ORDERED_DUTIES = ("balances", "prices", "rewards")


@dataclass
class ThresholdSchedule:
    """One duty's threshold over the history, as steps: `values[i]` holds from `blocks[i]` on
    (votes/indexing/thresholds.py reads it from the chain)."""

    blocks: list[int]
    values: list[int]

    @classmethod
    def constant(cls, value: int) -> "ThresholdSchedule":
        return cls([0], [value])

    def at(self, block: int) -> int:
        return self.values[max(bisect.bisect_right(self.blocks, block) - 1, 0)]


class MemberCounter:
    """Members at any (block, log index), from the membership history."""

    def __init__(self, network: str):
        events = MembershipEvent.objects.filter(network=network).order_by(
            "block_number", "log_index"
        )
        self.positions, self.counts, count = [], [], 0
        for event in events:
            count += -1 if event.kind in EXITS else 1
            self.positions.append((event.block_number, event.log_index))
            self.counts.append(count)

    def at(self, block_number: int, log_index: int) -> int:
        index = bisect.bisect_left(self.positions, (block_number, log_index))
        return self.counts[index - 1] if index else 0


VOTE_FIELDS = ("pk", "round_id", "round__key", "block_number", "tx_index", "log_index", "tx_hash",
               "member_id", "submission_key", "event_era", "reverted", "revert_reason", "values",
               "late", "agrees_with_consensus")  # fmt: skip


@dataclass(slots=True)
class Vote:
    """What the replay reads of a Submission (a row of VOTE_FIELDS): a model instance each
    cost more than the replay itself."""

    pk: int
    round_id: int
    round_key: str
    block_number: int
    tx_index: int
    log_index: int
    tx_hash: str
    member_id: int
    submission_key: str
    event_era: str
    reverted: bool
    revert_reason: str
    values: dict
    late: bool
    agrees_with_consensus: bool | None


@dataclass
class RoundTally:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    crossing: Vote | None = None
    members_at_crossing: int = 0
    refused: Vote | None = None  # the reverted vote that would have crossed
    logged_late: Vote | None = None  # a late vote logged where the contract reverts them
    logs_update: bool = True  # whether the contract logs an update when a value applies


def crosses(consensus: str, count: int, members: int, threshold: int) -> bool:
    if members <= 0:
        return False
    if consensus == QUORUM:
        return count > members * threshold // CALC_BASE  # (votes before) + 1 > quorum
    return CALC_BASE * count // members >= threshold


def rule_of(duty: str, event_era: str | None):
    """The duty-table row whose rules the contract applied to a vote of this layout (older
    layouts replay with Houston's rules)."""
    spec = next((s for s in EVENTS if s.duty == duty and s.era == event_era), None)
    release = release_of_event(spec) if spec else RELEASES[0]
    return duty_rule(duty, release) or next(duty_rule(duty, r) for r in RELEASES[::-1])


class Settled:
    """Which rounds a duty's contract treats as decided, so a vote for them is late."""

    def __init__(self, duty: str):
        self.ordered = duty in ORDERED_DUTIES
        self.rounds: set[int] = set()
        self.highest: int | None = None

    def add(self, vote: Vote) -> None:
        """The round `vote` crossed in is decided."""
        self.rounds.add(vote.round_id)
        if self.ordered:
            self.highest = max(self.highest or 0, int(vote.round_key))

    def covers(self, vote: Vote) -> bool:
        """Whether `vote`'s round is decided already."""
        if self.ordered:
            return self.highest is not None and int(vote.round_key) <= self.highest
        return vote.round_id in self.rounds


def replay_duty(network: str, duty: str, schedule: ThresholdSchedule,
                counter: MemberCounter) -> dict:  # fmt: skip
    """{round id: RoundTally} for every round of the duty; marks late/agreeing on submissions."""
    tallies: dict[int, RoundTally] = defaultdict(RoundTally)
    settled = Settled(duty)
    voted: set[tuple[int, str]] = set()  # (member, key): a repeat reverts as a duplicate
    refusals = refusal_reasons(duty)
    rows = (
        Submission.objects.filter(network=network, round__duty=duty)
        .order_by("block_number", "tx_index", "log_index")
        .values_list(*VOTE_FIELDS)
    )
    submissions = [Vote(*row) for row in rows]
    stored_flags = {vote.pk: (vote.late, vote.agrees_with_consensus) for vote in submissions}
    for vote in submissions:
        tally, rule = tallies[vote.round_id], rule_of(duty, vote.event_era)
        tally.logs_update = tally.logs_update and rule.updated is not None
        vote.late = settled.covers(vote)
        if vote.late:
            if rule.late_votes == REVERTS and not vote.reverted:
                tally.logged_late = tally.logged_late or vote
            continue
        members = counter.at(vote.block_number, vote.log_index)
        threshold = schedule.at(vote.block_number)
        would_count = tally.counts[vote.submission_key] + 1
        if vote.reverted:
            refused = (
                vote.revert_reason in refusals
                and (vote.member_id, vote.submission_key) not in voted
            )
            if refused and tally.refused is None and crosses(rule.consensus, would_count, members,
                                                             threshold):  # fmt: skip
                tally.refused, tally.members_at_crossing = vote, members
            continue
        voted.add((vote.member_id, vote.submission_key))
        tally.counts[vote.submission_key] = would_count
        if crosses(rule.consensus, would_count, members, threshold):
            tally.crossing, tally.members_at_crossing = vote, members
            settled.add(vote)
    return {"tallies": tallies, "submissions": submissions, "stored_flags": stored_flags}


def compute_consensus(network: str, thresholds: dict | None = None) -> dict:
    """Recompute consensus for every round of the network; returns counts by status.
    `thresholds` maps a duty to a number (constant) or to its ThresholdSchedule."""
    thresholds = thresholds or {}
    counter = MemberCounter(network)
    stats: dict[str, int] = defaultdict(int)
    duties = Round.objects.filter(network=network).values_list("duty", flat=True).distinct()
    for duty in sorted(set(duties)):
        schedule = thresholds.get(duty, DEFAULT_THRESHOLD)
        if not isinstance(schedule, ThresholdSchedule):
            schedule = ThresholdSchedule.constant(schedule)
        replay = replay_duty(network, duty, schedule, counter)
        replay["counter"] = counter
        with transaction.atomic():
            for status in _store_duty(network, duty, schedule, replay):
                stats[str(status)] += 1  # "reached", not the enum's repr
    return dict(stats)


OUTCOME_FIELDS = ("status", "submission_key", "values", "crossing_submission", "vote_count",
                  "member_count", "threshold", "block_number", "onchain_update", "dissent_count",
                  "mismatch_reason")  # fmt: skip
ID_CHUNK = 5000  # ids per `IN (...)`: PostgreSQL takes at most 65,535 parameters a statement


def _store_duty(network: str, duty: str, schedule: ThresholdSchedule, replay: dict):
    """Write the duty's outcomes and votes' flags a table at a time: new outcomes in one insert,
    changed ones in one bulk update, every outcome's `computed_at` in one statement, and votes
    whose flags changed in one update per combination of flags."""
    tallies = replay["tallies"]
    votes_by_round = defaultdict(list)
    for vote in replay["submissions"]:
        votes_by_round[vote.round_id].append(vote)
    updates = {
        u.round_id: u for u in OnChainUpdate.objects.filter(network=network, round__duty=duty)
    }
    rounds = list(Round.objects.filter(network=network, duty=duty))
    stored = {c.round_id: c for c in Consensus.objects.filter(round__in=rounds)}
    before = {c.pk: _outcome_row(c) for c in stored.values()}
    outcomes = []
    for sim_round in rounds:
        tally, votes = tallies.get(sim_round.id, RoundTally()), votes_by_round[sim_round.id]
        outcome = stored.get(sim_round.id) or Consensus(round=sim_round)
        _outcome(outcome, tally, updates.get(sim_round.id), schedule)
        _accept_later_execution(outcome, duty, tally, replay["counter"], schedule, votes)
        winning = outcome.submission_key
        for vote in votes:
            vote.agrees_with_consensus = (vote.submission_key == winning) if winning else None
        outcome.dissent_count = sum(1 for v in votes if v.agrees_with_consensus is False)
        outcomes.append((sim_round, outcome))
    _save_vote_flags(replay["submissions"], replay["stored_flags"])
    _save_outcomes([outcome for _, outcome in outcomes], before)
    for sim_round, outcome in outcomes:
        if outcome.status == Consensus.Status.MISMATCH:
            log.error("consensus mismatch in %s: %s", sim_round, outcome.mismatch_reason)
        yield outcome.status


def _outcome_row(outcome: Consensus) -> tuple:
    return tuple(getattr(outcome, outcome._meta.get_field(f).attname) for f in OUTCOME_FIELDS)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _save_outcomes(outcomes: list[Consensus], before: dict[int, tuple]) -> None:
    """Every outcome is stamped `computed_at` now, as a save of each would."""
    Consensus.objects.bulk_create([o for o in outcomes if o.pk is None])
    changed = [o for o in outcomes if o.pk in before and _outcome_row(o) != before[o.pk]]
    Consensus.objects.bulk_update(changed, OUTCOME_FIELDS, batch_size=500)
    now = timezone.now()
    for ids in _chunks(sorted(before)):
        Consensus.objects.filter(pk__in=ids).update(computed_at=now)


def _save_vote_flags(votes: list[Vote], stored_flags: dict[int, tuple]) -> None:
    """`late` and `agrees_with_consensus` of the votes whose replay changed them
    (`stored_flags`: {pk: (late, agrees)} as they were read)."""
    changed = defaultdict(list)
    for vote in votes:
        now = (vote.late, vote.agrees_with_consensus)
        if stored_flags[vote.pk] != now:
            changed[now].append(vote.pk)
    for (late, agrees), pks in changed.items():
        for ids in _chunks(pks):
            Submission.objects.filter(pk__in=ids).update(late=late, agrees_with_consensus=agrees)


def _outcome(outcome: Consensus, tally: RoundTally, update,
             schedule: ThresholdSchedule) -> Consensus:  # fmt: skip
    decided = tally.crossing or tally.refused
    outcome.threshold = schedule.at(decided.block_number) if decided else schedule.values[-1]
    outcome.onchain_update = update
    outcome.mismatch_reason = ""
    crossing = tally.crossing
    if crossing is not None:
        outcome.status = Consensus.Status.REACHED
        outcome.submission_key = crossing.submission_key
        outcome.values = crossing.values
        outcome.crossing_submission_id = crossing.pk
        outcome.vote_count = tally.counts[crossing.submission_key]
        outcome.member_count = tally.members_at_crossing
        outcome.block_number = crossing.block_number
    else:
        outcome.status = Consensus.Status.PENDING
        outcome.submission_key, outcome.values, outcome.crossing_submission_id = "", None, None
        outcome.vote_count = max(tally.counts.values(), default=0)
        outcome.member_count, outcome.block_number = 0, None
        if tally.refused is not None:
            _refused(outcome, tally)
    reason = _disagreement(crossing, update, tally)
    if reason:
        outcome.status, outcome.mismatch_reason = Consensus.Status.MISMATCH, reason
    return outcome


def _accept_later_execution(outcome: Consensus, duty: str, tally: RoundTally, counter,
                            schedule: ThresholdSchedule,
                            votes: list[Vote]) -> None:  # fmt: skip
    """A value applied by `executeUpdate*` / `executeRewardSnapshot` (anyone may call them once
    the votes suffice, e.g. after members left) comes in a transaction that is no vote. It is
    consensus if its votes cross the threshold with the member count at the execution.
    `votes`: every vote of the round."""
    update = outcome.onchain_update
    if outcome.crossing_submission_id is not None or update is None:
        return
    if update.tx_hash in {vote.tx_hash for vote in votes}:
        return
    votes_for = tally.counts.get(update.submission_key, 0)
    members = counter.at(update.block_number, update.log_index)
    first = min(votes, key=lambda vote: (vote.block_number, vote.log_index), default=None)
    rule = rule_of(duty, first and first.event_era)
    outcome.threshold = schedule.at(update.block_number)
    if not crosses(rule.consensus, votes_for, members, outcome.threshold):
        return
    outcome.status, outcome.mismatch_reason = Consensus.Status.REACHED, ""
    outcome.submission_key, outcome.values = update.submission_key, update.values
    outcome.vote_count, outcome.member_count = votes_for, members
    outcome.block_number = update.block_number


def _refused(outcome: Consensus, tally: RoundTally) -> None:
    """Enough identical votes, but the contract refused to apply them (RPIP-61): the values and
    the vote that would have crossed are kept, with the count that vote would have made."""
    vote = tally.refused
    outcome.status = Consensus.Status.REFUSED
    outcome.submission_key, outcome.values = vote.submission_key, vote.values
    outcome.crossing_submission_id, outcome.block_number = vote.pk, vote.block_number
    outcome.vote_count = tally.counts[vote.submission_key] + 1
    outcome.member_count = tally.members_at_crossing


def _disagreement(crossing: Vote | None, update: OnChainUpdate | None,
                  tally: RoundTally) -> str:  # fmt: skip
    if tally.logged_late is not None:
        return (f"vote {tally.logged_late.tx_hash} was logged after the round settled, "
                "which this contract reverts")  # fmt: skip
    if crossing is None and update is None:
        return ""
    if crossing is None:
        return f"the chain applied a value in tx {update.tx_hash} but no vote crossed the threshold"
    if update is None and not tally.logs_update:
        return ""
    if update is None:
        return f"vote {crossing.tx_hash} crossed the threshold but the chain emitted no update"
    if update.tx_hash != crossing.tx_hash:
        return f"crossing vote {crossing.tx_hash} but the update came in {update.tx_hash}"
    if update.submission_key != crossing.submission_key:
        return (
            f"the chain applied key {update.submission_key}, we computed {crossing.submission_key}"
        )
    return ""
