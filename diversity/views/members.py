"""Members: what each runs (declared and inferred), how reliably it votes, and when it dissents.

Participation is rounds voted over rounds opened while the member was in the oDAO. A member whose
software skips a duty (some watchtowers never vote on scrubs) shows it here, per duty.
"""

from datetime import UTC, datetime

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import render

from diversity import charts
from diversity.fingerprint.shares import ShareBook
from diversity.models import Disagreement
from diversity.views.mix import KINDS, chain_now, software_of
from diversity.views.pages import network
from votes.models import Member, Round, Submission

RECENT_VOTES = 20
DELAY_PLOT_VOTES = 2000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def rounds_while_member(network_name: str):
    """Rounds opened while the outer Member was in the oDAO (for a Subquery)."""
    return Round.objects.filter(
        network=network_name,
        opened_at__gte=Coalesce(OuterRef("joined_at"), Value(EPOCH)),
        opened_at__lt=Coalesce(OuterRef("left_at"), Value(FAR_FUTURE)),
    )


def members_with_activity(network_name: str):
    """Members with votes, rounds voted, rounds eligible, dissents and reference disagreements.

    Each count is its own subquery: aggregating two relations in one GROUP BY would multiply rows.
    """
    submissions = Submission.objects.filter(member=OuterRef("pk")).order_by().values("member")
    eligible = rounds_while_member(network_name).order_by().values("network")
    disagreements = Disagreement.objects.filter(member=OuterRef("pk")).order_by().values("member")
    return (
        Member.objects.filter(network=network_name)
        .annotate(
            votes=Coalesce(Subquery(submissions.annotate(n=Count("pk")).values("n")), 0),
            rounds_voted=Coalesce(
                Subquery(submissions.annotate(n=Count("round", distinct=True)).values("n")), 0
            ),
            dissents=Coalesce(
                Subquery(
                    submissions.filter(agrees_with_consensus=False)
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            last_vote=Subquery(submissions.annotate(at=Max("block_time")).values("at")),
            rounds_eligible=Coalesce(Subquery(eligible.annotate(n=Count("pk")).values("n")), 0),
            reference_disagreements=Coalesce(
                Subquery(disagreements.annotate(n=Count("verdict", distinct=True)).values("n")), 0
            ),
        )
        .order_by(F("left_block").asc(nulls_first=True), "member_id", "address")
    )


def participation(voted: int, eligible: int) -> float | None:
    return min(voted / eligible, 1.0) if eligible else None


def member_list(request):
    members = list(members_with_activity(network()))
    software = software_of(members, ShareBook(network()), chain_now(network()))
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


def software_at_last_vote(member: Member) -> list:
    """What a member runs now, or when it last voted if it has left."""
    at = chain_now(member.network)
    if member.left_at is not None:
        at = min(at, member.left_at)
    return list(software_of([member], ShareBook(member.network), at)[member.pk].values())


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
            "software": software_at_last_vote(member),
            "duties": duty_participation(member),
            "recent": recent,
            "dissents": dissents,
            "disagreements": disagreements,
            "delays": charts.delays_scatter(delays),
        },
    )
