"""Read-only REST API of the chain side: members, rounds, submissions, consensus outcomes.

Every list is paginated (`page`, `page_size` up to the API_MAX_PAGE_SIZE setting) and
filterable (see votes/filters.py).
Each list costs a fixed number of queries, whatever the page holds: related rows come by
select_related, per-row counts by correlated subqueries on indexed columns. Reads are served
from the cache while the indexed chain is unchanged (votes/page_cache.py).
"""

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter

from towerwatch.pagination import CappedPagination
from votes.filters import ConsensusFilter, MemberFilter, RoundFilter, SubmissionFilter
from votes.models import Consensus, Member, Round, Submission
from votes.page_cache import CachedByState
from votes.serializers import (
    ConsensusSerializer,
    MemberSerializer,
    RoundSerializer,
    SubmissionSerializer,
)
from votes.state import CHAIN


def submission_count(link: str, **conditions) -> Coalesce:
    """COUNT of the submissions whose `link` is the outer row (optionally filtered)."""
    counted = (
        Submission.objects.filter(**{link: OuterRef("pk")}, **conditions)
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


class ReadOnlyViewSet(CachedByState, viewsets.ReadOnlyModelViewSet):
    state_parts = (CHAIN,)
    pagination_class = CappedPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]


class MemberViewSet(ReadOnlyViewSet):
    """oDAO members, with when they joined and left, and how many submissions they made."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    ordering_fields = ["joined_block", "address", "submission_count"]
    queryset = Member.objects.annotate(
        active=ExpressionWrapper(Q(left_block__isnull=True), output_field=BooleanField()),
        submission_count=submission_count("member"),
    ).order_by("network", "joined_block", "address", "id")


class RoundViewSet(ReadOnlyViewSet):
    """Rounds (what the oDAO votes on), newest first, with their consensus and vote counts."""

    serializer_class = RoundSerializer
    filterset_class = RoundFilter
    ordering_fields = ["first_seen_block", "key_block", "opened_at"]
    queryset = (
        Round.objects.select_related(
            "consensus", "consensus__crossing_submission__member", "consensus__onchain_update"
        )
        .annotate(
            submission_count=submission_count("round"),
            late_count=submission_count("round", late=True),
        )
        .order_by("-first_seen_block", "duty", "key", "id")
    )


class SubmissionViewSet(ReadOnlyViewSet):
    """Every member's vote with its transaction's features, in chain order."""

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter
    ordering_fields = ["block_number", "delay_seconds", "gas_used", "effective_gas_price"]
    queryset = Submission.objects.select_related("round", "member").order_by(
        "block_number", "log_index", "id"
    )


class ConsensusViewSet(ReadOnlyViewSet):
    """Consensus outcomes: the winning values, the vote that crossed the threshold, the chain's
    own update event, and whether they agree (`mismatch` would be an indexer bug)."""

    serializer_class = ConsensusSerializer
    filterset_class = ConsensusFilter
    ordering_fields = ["block_number", "vote_count", "dissent_count"]
    queryset = Consensus.objects.select_related(
        "round", "crossing_submission__member", "onchain_update"
    ).order_by("-round__first_seen_block", "round__duty", "round__key", "id")


def register_routes(router) -> None:
    router.register("members", MemberViewSet, basename="member")
    router.register("rounds", RoundViewSet, basename="round")
    router.register("submissions", SubmissionViewSet, basename="submission")
    router.register("consensus", ConsensusViewSet, basename="consensus")
