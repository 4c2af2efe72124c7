"""Members: what each runs (declared and inferred), how reliably it votes, and when it dissents.

Participation is rounds voted over rounds opened while the member was in the oDAO. A member whose
software skips a duty (some watchtowers never vote on scrubs) shows it here, per duty.
"""

import bisect
from datetime import UTC, datetime

from django.db.models import Count, F, Max, Q
from django.http import Http404
from django.shortcuts import render

from diversity import charts
from diversity.models import Disagreement
from diversity.views.mix import KINDS, mix_snapshot, software_of
from diversity.views.pages import network
from votes.models import Member, Round, Submission
from votes.page_cache import cached_page
from votes.state import CHAIN, DECLARATIONS, FINGERPRINT, REFERENCE

RECENT_VOTES = 20
DELAY_PLOT_VOTES = 2000
SHOWN = (CHAIN, REFERENCE, FINGERPRINT, DECLARATIONS)  # what the member pages show
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def members_with_activity(network_name: str) -> list[Member]:
    """Members with votes, rounds voted, rounds eligible, dissents and reference disagreements.

    Three grouped queries for all members at once; the rounds a member could vote in are counted
    by bisecting the sorted opening times of all rounds.
    """
    members = list(
        Member.objects.filter(network=network_name).order_by(
            F("left_block").asc(nulls_first=True), "member_id", "address"
        )
    )
    votes = {
        row["member"]: row
        for row in Submission.objects.filter(network=network_name).order_by().values("member")
        .annotate(votes=Count("pk"), rounds=Count("round", distinct=True), last=Max("block_time"),
                  dissents=Count("pk", filter=Q(agrees_with_consensus=False)))
    }  # fmt: skip
    disagreements = dict(
        Disagreement.objects.filter(member__network=network_name).order_by()
        .values_list("member").annotate(n=Count("verdict", distinct=True))
    )  # fmt: skip
    opened = sorted(
        Round.objects.filter(network=network_name, opened_at__isnull=False)
        .values_list("opened_at", flat=True)
    )  # fmt: skip
    for member in members:
        mine = votes.get(member.pk, {})
        member.votes, member.rounds_voted = mine.get("votes", 0), mine.get("rounds", 0)
        member.dissents, member.last_vote = mine.get("dissents", 0), mine.get("last")
        member.reference_disagreements = disagreements.get(member.pk, 0)
        start = bisect.bisect_left(opened, member.joined_at or EPOCH)
        member.rounds_eligible = bisect.bisect_left(opened, member.left_at or FAR_FUTURE) - start
    return members


def participation(voted: int, eligible: int) -> float | None:
    return min(voted / eligible, 1.0) if eligible else None


@cached_page(*SHOWN)
def member_list(request):
    members = members_with_activity(network())
    software = software_of(members, mix_snapshot(network()))
    rows = [
        {
            "member": m,
            "software": [software[m.pk][kind] for kind in KINDS],
            "participation": participation(m.rounds_voted, m.rounds_eligible),
        }
        for m in members
    ]
    return render(request, "members/list.html", {"rows": rows, "kinds": KINDS})


def duty_participation(member: Member) -> list[dict]:
    """Per duty: rounds opened while a member, rounds it voted in, late votes and dissents."""
    joined, left = member.joined_at or EPOCH, member.left_at or FAR_FUTURE
    eligible = dict(
        Round.objects.filter(network=member.network, opened_at__gte=joined, opened_at__lt=left)
        .order_by()
        .values_list("duty")
        .annotate(n=Count("pk"))
    )
    voted = {
        row["round__duty"]: row
        for row in member.submissions.order_by()
        .values("round__duty")
        .annotate(
            rounds=Count("round", distinct=True),
            late=Count("pk", filter=Q(late=True)),
            dissents=Count("pk", filter=Q(agrees_with_consensus=False)),
        )
    }
    rows = []
    for duty in sorted(set(eligible) | set(voted)):
        mine = voted.get(duty, {})
        rows.append(
            {
                "duty": duty,
                "eligible": eligible.get(duty, 0),
                "rounds": mine.get("rounds", 0),
                "late": mine.get("late", 0),
                "dissents": mine.get("dissents", 0),
                "participation": participation(mine.get("rounds", 0), eligible.get(duty, 0)),
            }
        )
    return rows


@cached_page(*SHOWN)
def member_detail(request, address: str):
    member = Member.objects.filter(network=network(), address__iexact=address).first()
    if member is None:
        raise Http404("no such member")
    recent = list(
        member.submissions.select_related("round").order_by("-block_number", "-log_index")[
            :RECENT_VOTES
        ]
    )
    delays = list(
        member.submissions.filter(delay_seconds__isnull=False)
        .order_by("-block_number")
        .values_list("block_time", "delay_seconds", "round__duty")[:DELAY_PLOT_VOTES]
    )
    disagreements = list(
        Disagreement.objects.filter(member=member)
        .select_related("verdict__round", "submission")
        .order_by("-submission__block_number")
    )
    dissents = list(
        member.submissions.filter(agrees_with_consensus=False)
        .select_related("round")
        .order_by("-block_number")[:RECENT_VOTES]
    )
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "software": list(
                software_of([member], mix_snapshot(member.network))[member.pk].values()
            ),
            "duties": duty_participation(member),
            "recent": recent,
            "dissents": dissents,
            "disagreements": disagreements,
            "delays": charts.delays_scatter(delays),
        },
    )
