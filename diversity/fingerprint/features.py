"""Behavioural features of oDAO members, from their indexed submissions.

An implementation is code, and code makes the same choices every time: the transaction type,
how it pads the gas estimate, whether its fee cap is a round number of gwei or follows the base
fee, how long it waits for finality, which duties it performs. Each trait is a small named
function of one submission (traits.py); a member's features aggregate them over a sliding
window, and add what only the whole window shows: the share of each duty's rounds the member
voted in, and how its calldata and rewards timing compare with the other members'.

The treegen leaves one trace on-chain: how long after the interval ended the rewards vote came.
That delay also holds the watchtower's own wait, so it is measured against the member's usual
delay on other duties and against the other members in the same round.
"""

import bisect
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from diversity.fingerprint.membership import MembershipHistory
from diversity.fingerprint.traits import WATCHTOWER_FEATURES, Vote, mean
from votes.models import Round, Submission

SUBMISSION_FIELDS = (
    "id", "member_id", "round_id", "round__duty", "block_time", "tx_type", "nonce", "gas_limit",
    "gas_used", "max_fee", "priority_fee", "gas_price", "base_fee", "calldata_size",
    "delay_seconds", "late",
)  # fmt: skip
PARTICIPATION_DUTIES = ("balances", "prices", "scrub", "rewards")


@dataclass
class MemberWindow:
    """One member's features over one window, and how many submissions they rest on."""

    member_id: int
    values: dict[str, float | None] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)


class Activity:
    """Every vote and round of a network, loaded once and sliced by time for each window;
    `since`: only the votes from then on (windows that start earlier would miss some)."""

    def __init__(self, network: str, since: datetime | None = None):
        self.network = network
        self.membership = MembershipHistory(network)
        rows = Submission.objects.filter(network=network).order_by("block_time", "id")
        if since is not None:
            rows = rows.filter(block_time__gte=since)
        self.votes = [_vote(*row) for row in rows.values_list(*SUBMISSION_FIELDS)]
        self.vote_times = [vote.block_time for vote in self.votes]
        rounds = Round.objects.filter(network=network, opened_at__isnull=False)
        self.rounds = sorted(rounds.values_list("opened_at", "duty", "id"))
        self.round_times = [opened for opened, _, _ in self.rounds]

    def votes_between(self, start: datetime, end: datetime) -> list[Vote]:
        low = bisect.bisect_left(self.vote_times, start)
        return self.votes[low : bisect.bisect_right(self.vote_times, end)]

    def rounds_between(self, start: datetime, end: datetime) -> list[tuple[datetime, str, int]]:
        low = bisect.bisect_left(self.round_times, start)
        return self.rounds[low : bisect.bisect_right(self.round_times, end)]


def _vote(_id, member_id, round_id, duty, block_time, tx_type, nonce, gas_limit, gas_used,
          max_fee, priority_fee, gas_price, base_fee, calldata_size, delay_seconds,
          late) -> Vote:  # fmt: skip
    """One loaded row (SUBMISSION_FIELDS, in order) as plain values."""
    fee_cap = max_fee if max_fee is not None else gas_price
    return Vote(
        member_id=member_id, round_id=round_id, duty=duty, block_time=block_time,
        tx_type=tx_type, nonce=nonce, gas_limit=gas_limit, gas_used=gas_used,
        fee_cap=int(fee_cap or 0),
        priority_fee=None if priority_fee is None else int(priority_fee),
        base_fee=None if base_fee is None else int(base_fee),
        calldata_size=calldata_size, delay_seconds=delay_seconds, late=late,
    )  # fmt: skip


def window_features(
    activity: Activity, start: datetime, end: datetime, kind: str = "watchtower"
) -> list[MemberWindow]:
    """Features of every member who voted in [start, end]: the watchtower's traits, or the
    treegen's (the rewards delay alone, so the long treegen window stays cheap)."""
    votes = activity.votes_between(start, end)
    by_member: dict[int, list[Vote]] = defaultdict(list)
    for vote in votes:
        by_member[vote.member_id].append(vote)
    windows = {}
    for member_id, member_votes in by_member.items():
        windows[member_id] = MemberWindow(member_id, evidence={
            "watchtower": len(member_votes),
            "treegen": sum(1 for vote in member_votes if vote.duty == "rewards"),
        })  # fmt: skip
    if kind == "watchtower":
        rounds = activity.rounds_between(start, end)
        for member_id, member_votes in by_member.items():
            values = windows[member_id].values
            values.update((name, f(member_votes)) for name, f in WATCHTOWER_FEATURES.items())
            values.update(participation(member_id, member_votes, rounds, activity.membership))
        add_calldata_excess(votes, windows)
    else:
        add_rewards_excess(votes, windows)
    return [windows[member_id] for member_id in sorted(windows)]


def participation(member_id, votes, rounds, membership: MembershipHistory) -> dict[str, float]:
    """The share of each duty's rounds, opened while a member, that the member voted in."""
    voted = {vote.round_id for vote in votes}
    shares = {}
    for duty in PARTICIPATION_DUTIES:
        due = [
            rid
            for opened, d, rid in rounds
            if d == duty and membership.is_member(member_id, opened)
        ]
        shares[f"participation_{duty}"] = (
            sum(1 for rid in due if rid in voted) / len(due) if due else None
        )
    return shares


def add_calldata_excess(votes: list[Vote], windows: dict[int, MemberWindow]) -> None:
    """Calldata bytes beyond the round's usual size: zero for every standard ABI encoder."""
    by_round: dict[int, list[int]] = defaultdict(list)
    for vote in votes:
        by_round[vote.round_id].append(vote.calldata_size)
    excess: dict[int, list[float]] = defaultdict(list)
    for vote in votes:
        excess[vote.member_id].append(
            vote.calldata_size - statistics.median(by_round[vote.round_id])
        )
    for member_id, values in excess.items():
        windows[member_id].values["calldata_excess"] = statistics.fmean(values)


def add_rewards_excess(votes: list[Vote], windows: dict[int, MemberWindow]) -> None:
    """Minutes a member's rewards vote came after its usual delay, relative to the round.

    The usual delay (median over balances and prices) removes the watchtower's finality wait
    and polling; subtracting the round's median removes when the round really opened, which the
    chain only shows approximately (the block the interval ended on).
    """
    usual_delays: dict[int, list[int]] = defaultdict(list)
    for vote in votes:
        if vote.duty in ("balances", "prices") and vote.delay_seconds is not None:
            usual_delays[vote.member_id].append(vote.delay_seconds)
    usual = {member_id: statistics.median(delays) for member_id, delays in usual_delays.items()}
    by_round: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for vote in votes:
        if vote.duty == "rewards" and vote.delay_seconds is not None and vote.member_id in usual:
            by_round[vote.round_id].append(
                (vote.member_id, vote.delay_seconds - usual[vote.member_id])
            )
    excess: dict[int, list[float]] = defaultdict(list)
    for entries in by_round.values():
        middle = statistics.median(value for _, value in entries)
        for member_id, value in entries:
            excess[member_id].append((value - middle) / 60)
    for member_id, window in windows.items():
        window.values["rewards_excess"] = mean(excess.get(member_id, []))
