"""Consensus exactly as the contracts compute it, replayed from the indexed submissions.

Per duty, votes are replayed in chain order. A vote counts toward its submission key; it
crosses when `1e18 * count // members >= threshold` (balances, prices, rewards) or when
`votes_before + 1 > members * quorum // 1e18` (scrubs), with the member count at that vote.
Once a round is settled, later votes for it (or for an older round) are late: recorded, not
counted. The result is then checked against the contract's own Updated event; any difference
is an indexer bug and is flagged as a mismatch, never papered over.
"""

import bisect
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from votes.models import Consensus, MembershipEvent, OnChainUpdate, Round, Submission

log = logging.getLogger(__name__)
CALC_BASE = 10**18
DEFAULT_THRESHOLD = 51 * 10**16


class MemberCounter:
    """Members at any (block, log index), from the membership history."""

    def __init__(self, network: str):
        events = MembershipEvent.objects.filter(network=network).order_by(
            "block_number", "log_index"
        )
        self.positions, self.counts, count = [], [], 0
        for event in events:
            count += 1 if event.kind in ("joined", "snapshot") else -1
            self.positions.append((event.block_number, event.log_index))
            self.counts.append(count)

    def at(self, block_number: int, log_index: int) -> int:
        index = bisect.bisect_left(self.positions, (block_number, log_index))
        return self.counts[index - 1] if index else 0


@dataclass
class RoundTally:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    crossing: Submission | None = None
    members_at_crossing: int = 0


def crosses(duty: str, count: int, members: int, threshold: int) -> bool:
    if members <= 0:
        return False
    if duty == "scrub":
        return count > members * threshold // CALC_BASE  # (votes before) + 1 > quorum
    return CALC_BASE * count // members >= threshold


def _is_settled_key(duty: str, settled: list, sim_round: Round) -> bool:
    """Whether the contract would treat a vote for this round as late."""
    if duty == "scrub":
        return sim_round.id in settled
    if not settled:
        return False
    return int(sim_round.key) <= max(settled)


def replay_duty(network: str, duty: str, threshold: int, counter: MemberCounter) -> dict:
    """{round id: RoundTally} for every round of the duty; marks late/agreeing on submissions."""
    tallies: dict[int, RoundTally] = defaultdict(RoundTally)
    settled: list = []
    submissions = (
        Submission.objects.filter(network=network, round__duty=duty)
        .select_related("round")
        .order_by("block_number", "log_index")
    )
    for vote in submissions:
        tally = tallies[vote.round_id]
        marker = vote.round_id if duty == "scrub" else int(vote.round.key)
        vote.late = _is_settled_key(duty, settled, vote.round)
        if vote.late:
            continue
        tally.counts[vote.submission_key] += 1
        members = counter.at(vote.block_number, vote.log_index)
        if crosses(duty, tally.counts[vote.submission_key], members, threshold):
            tally.crossing, tally.members_at_crossing = vote, members
            settled.append(marker)
    return {"tallies": tallies, "submissions": submissions}


def compute_consensus(network: str, thresholds: dict[str, int] | None = None) -> dict:
    """Recompute consensus for every round of the network; returns counts by status."""
    thresholds = thresholds or {}
    counter = MemberCounter(network)
    stats: dict[str, int] = defaultdict(int)
    duties = Round.objects.filter(network=network).values_list("duty", flat=True).distinct()
    for duty in sorted(set(duties)):
        threshold = thresholds.get(duty, DEFAULT_THRESHOLD)
        replay = replay_duty(network, duty, threshold, counter)
        replay["counter"] = counter
        with transaction.atomic():
            for status in _store_duty(network, duty, threshold, replay):
                stats[str(status)] += 1  # "reached", not the enum's repr
    return dict(stats)


def _store_duty(network: str, duty: str, threshold: int, replay: dict):
    tallies = replay["tallies"]
    votes_by_round = defaultdict(list)
    for vote in replay["submissions"]:
        votes_by_round[vote.round_id].append(vote)
    updates = {
        u.round_id: u for u in OnChainUpdate.objects.filter(network=network, round__duty=duty)
    }
    for sim_round in Round.objects.filter(network=network, duty=duty):
        tally = tallies.get(sim_round.id, RoundTally())
        outcome = _outcome(sim_round, tally, updates.get(sim_round.id), threshold)
        _accept_later_execution(outcome, duty, tally, replay["counter"])
        winning = outcome.submission_key
        for vote in votes_by_round[sim_round.id]:
            vote.agrees_with_consensus = (vote.submission_key == winning) if winning else None
        Submission.objects.bulk_update(
            votes_by_round[sim_round.id], ["late", "agrees_with_consensus"]
        )
        outcome.dissent_count = sum(1 for v in votes_by_round[sim_round.id]
                                    if v.agrees_with_consensus is False)  # fmt: skip
        outcome.save()
        if outcome.status == Consensus.Status.MISMATCH:
            log.error("consensus mismatch in %s: %s", sim_round, outcome.mismatch_reason)
        yield outcome.status


def _outcome(sim_round: Round, tally: RoundTally, update, threshold: int) -> Consensus:
    outcome = Consensus.objects.filter(round=sim_round).first() or Consensus(round=sim_round)
    outcome.threshold = threshold
    outcome.onchain_update = update
    outcome.mismatch_reason = ""
    crossing = tally.crossing
    if crossing is not None:
        outcome.status = Consensus.Status.REACHED
        outcome.submission_key = crossing.submission_key
        outcome.values = crossing.values
        outcome.crossing_submission = crossing
        outcome.vote_count = tally.counts[crossing.submission_key]
        outcome.member_count = tally.members_at_crossing
        outcome.block_number = crossing.block_number
    else:
        outcome.status = Consensus.Status.PENDING
        outcome.submission_key, outcome.values, outcome.crossing_submission = "", None, None
        outcome.vote_count = max(tally.counts.values(), default=0)
        outcome.member_count, outcome.block_number = 0, None
    reason = _disagreement(crossing, update)
    if reason:
        outcome.status, outcome.mismatch_reason = Consensus.Status.MISMATCH, reason
    return outcome


def _accept_later_execution(outcome: Consensus, duty: str, tally: RoundTally, counter) -> None:
    """A value applied by `executeUpdate*` / `executeRewardSnapshot` (anyone may call them once
    the votes suffice, e.g. after members left) comes in a transaction that is no vote. It is
    consensus if its votes cross the threshold with the member count at the execution."""
    update = outcome.onchain_update
    if outcome.crossing_submission is not None or update is None:
        return
    if update.tx_hash in {vote.tx_hash for vote in outcome.round.submissions.all()}:
        return
    votes = tally.counts.get(update.submission_key, 0)
    members = counter.at(update.block_number, update.log_index)
    if not crosses(duty, votes, members, int(outcome.threshold)):
        return
    outcome.status, outcome.mismatch_reason = Consensus.Status.REACHED, ""
    outcome.submission_key, outcome.values = update.submission_key, update.values
    outcome.vote_count, outcome.member_count = votes, members
    outcome.block_number = update.block_number


def _disagreement(crossing: Submission | None, update: OnChainUpdate | None) -> str:
    if crossing is None and update is None:
        return ""
    if crossing is None:
        return f"the chain applied a value in tx {update.tx_hash} but no vote crossed the threshold"
    if update is None:
        return f"vote {crossing.tx_hash} crossed the threshold but the chain emitted no update"
    if update.tx_hash != crossing.tx_hash:
        return f"crossing vote {crossing.tx_hash} but the update came in {update.tx_hash}"
    if update.submission_key != crossing.submission_key:
        return (
            f"the chain applied key {update.submission_key}, we computed {crossing.submission_key}"
        )
    return ""
