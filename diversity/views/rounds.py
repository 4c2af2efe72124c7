"""Rounds: every value the oDAO voted on, and for one round who voted for what, and when."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from diversity import charts
from diversity.models import Verdict
from diversity.templatetags.dashboard import ether
from diversity.views.pages import network
from votes.consensus import CALC_BASE
from votes.models import Consensus, Duty, Round, Submission
from votes.page_cache import cached_page
from votes.state import CHAIN, REFERENCE

PER_PAGE = 50
PER_SUBMISSION_FIELDS = ("from", "time")  # event fields that differ per vote, not the value
UNITS = {"_eth": "ETH", "_rpl": "RPL", "reth_supply": "rETH", "rpl_price": "ETH per RPL"}


def newest_rounds(network_name: str):
    return Round.objects.filter(network=network_name).order_by("-first_seen_block", "-id")


def with_outcomes(rounds) -> list[Round]:
    """The rounds (a sliced queryset) with consensus, crossing vote, verdict, and the counts of
    votes and dissents. Joining and counting only the rounds on the page, after slicing, keeps
    the cost independent of the length of the history."""
    ids = [r.pk for r in rounds]
    joined = Round.objects.select_related(
        "consensus", "consensus__crossing_submission", "verdict"
    ).in_bulk(ids)
    counts = {
        row["round"]: row
        for row in Submission.objects.filter(round__in=ids).order_by().values("round")
        .annotate(votes=Count("pk"), dissents=Count("pk", filter=Q(agrees_with_consensus=False)))
    }  # fmt: skip
    result = []
    for pk in ids:
        sim_round, row = joined[pk], counts.get(pk, {})
        sim_round.votes, sim_round.dissents = row.get("votes", 0), row.get("dissents", 0)
        result.append(sim_round)
    return result


@cached_page(CHAIN, REFERENCE)
def round_list(request):
    rounds = newest_rounds(network())
    duty = request.GET.get("duty", "")
    if duty in Duty.values:
        rounds = rounds.filter(duty=duty)
    else:
        duty = ""
    page = Paginator(rounds, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_outcomes(page.object_list)
    return render(
        request,
        "rounds/list.html",
        {"page": page, "duty": duty, "duties": Duty.choices},
    )


def votes_needed(duty: str, members: int, threshold: int) -> int | None:
    """Identical votes that apply a value, by the contracts' rules (see votes.consensus)."""
    if members <= 0:
        return None
    if duty == "scrub":
        return members * threshold // CALC_BASE + 1
    return -(-threshold * members // CALC_BASE)


def value_rows(values: dict | None, prefix: str = "") -> list[dict]:
    """A submitted value as rows of field, value and, for 18-decimal amounts, the amount."""
    rows = []
    for field, value in (values or {}).items():
        if not prefix and field in PER_SUBMISSION_FIELDS:
            continue
        name = f"{prefix}{field}"
        if isinstance(value, dict):
            rows += value_rows(value, f"{name}.")
        elif isinstance(value, list):
            rows.append({"field": name, "value": ", ".join(str(v) for v in value)})
        else:
            unit = next((u for suffix, u in UNITS.items() if name.endswith(suffix)), None)
            amount = f"≈ {ether(value)} {unit}" if unit and str(value).isdigit() else ""
            rows.append({"field": name, "value": str(value), "amount": amount})
    return rows


def vote_groups(submissions: list[Submission], consensus: Consensus | None) -> list[dict]:
    """Submissions grouped by the contract's vote key, the winning group first, then by size."""
    groups: dict[str, dict] = {}
    for submission in submissions:
        group = groups.setdefault(
            submission.submission_key,
            {
                "key": submission.submission_key,
                "submissions": [],
                "rows": value_rows(submission.values),
                "won": bool(consensus and consensus.submission_key == submission.submission_key),
            },
        )
        group["submissions"].append(submission)
    return sorted(groups.values(), key=lambda g: (not g["won"], -len(g["submissions"])))


@cached_page(CHAIN, REFERENCE)
def round_detail(request, round_id: int):
    sim_round = get_object_or_404(
        Round.objects.select_related("consensus", "consensus__onchain_update"),
        pk=round_id,
        network=network(),
    )
    consensus = getattr(sim_round, "consensus", None)
    verdict = Verdict.objects.filter(round=sim_round).first()
    disagreements = (
        verdict.disagreements.select_related("member").order_by("member__member_id", "field")
        if verdict
        else []
    )
    submissions = list(
        sim_round.submissions.select_related("member").order_by("block_number", "log_index")
    )
    groups = vote_groups(submissions, consensus)
    needed = (
        votes_needed(sim_round.duty, consensus.member_count, int(consensus.threshold))
        if consensus and consensus.member_count
        else None
    )
    timeline = charts.vote_timeline(
        [
            {
                "label": f"value {index + 1}" + (" (consensus)" if g["won"] else ""),
                "times": [s.block_time for s in g["submissions"]],
            }
            for index, g in enumerate(groups)
        ],
        needed,
    )
    return render(
        request,
        "rounds/detail.html",
        {
            "round": sim_round,
            "consensus": consensus,
            "verdict": verdict,
            "disagreements": disagreements,
            "groups": groups,
            "needed": needed,
            "threshold_share": int(consensus.threshold) / CALC_BASE if consensus else None,
            "crossing_id": consensus.crossing_submission_id if consensus else None,
            "timeline": timeline,
            "reference_rows": value_rows(verdict.reference_values) if verdict else [],
        },
    )
