"""The implementation mix as the dashboard reads it: who runs what, and the shares over time.

The fingerprinting module (diversity/fingerprint/) writes Implementation and Assignment rows;
this module reads them in a few aggregate queries and hands the pages plain dataclasses. A member
without an assignment is unknown. Functions marked INTEGRATION(fingerprinting) compute here what
that module will offer itself (shares with bounds); the dataclasses stay the pages' contract.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, OuterRef, Q, Subquery

from diversity.models import Assignment, Implementation
from diversity.planner import mix
from votes.consensus import CALC_BASE, DEFAULT_THRESHOLD
from votes.models import Consensus, Member

KINDS = ("watchtower", "treegen")


@dataclass
class Software:
    """What one member runs of one kind, as declared and as inferred from its transactions."""

    kind: str
    declared: str | None = None
    inferred: str | None = None
    confidence: float | None = None  # of the inferred label, 0..1
    flags: list[str] = field(default_factory=list)
    counted: str | None = None  # what the shares count it as; None: unknown

    @property
    def implementation(self) -> str | None:
        return self.counted


@dataclass
class ShareRow:
    implementation: str
    members: int
    share: float
    lower: float
    upper: float


@dataclass
class KindShares:
    """The shares of one kind at one moment, largest first, with the bounds unknowns allow."""

    kind: str
    members: int
    unknown: int
    rows: list[ShareRow]
    threshold: float  # the consensus threshold as a fraction of members (0.51)

    @property
    def has_data(self) -> bool:
        return self.members > self.unknown


@dataclass
class SharePoint:
    at: datetime
    shares: dict[str, float]  # implementation -> share of members
    unknown: float


def consensus_threshold(network: str) -> int:
    """The threshold the contracts used at the latest consensus (1e18 = 100%)."""
    latest = (
        Consensus.objects.filter(round__network=network, status=Consensus.Status.REACHED)
        .order_by("-block_number")
        .values_list("threshold", flat=True)
        .first()
    )
    return int(latest) if latest is not None else DEFAULT_THRESHOLD


def active_members(network: str, at: datetime | None = None):
    """Members of the oDAO at `at` (now by default), in joining order."""
    members = Member.objects.filter(network=network)
    if at is None:
        return members.filter(left_block__isnull=True)
    joined = Q(joined_at__lte=at) | Q(joined_at__isnull=True)
    return members.filter(joined).filter(Q(left_at__isnull=True) | Q(left_at__gt=at))


def known_implementations(kind: str) -> list[str]:
    """Every implementation of `kind` towerwatch knows, by name."""
    return list(
        Implementation.objects.filter(kind=kind).order_by("name").values_list("name", flat=True)
    )


def latest_assignments(network: str, member_ids: list[int]):
    """Each member's newest Assignment per kind, in one query."""
    newest = (
        Assignment.objects.filter(network=network, member=OuterRef("member"), kind=OuterRef("kind"))
        .order_by("-as_of")
        .values("as_of")[:1]
    )
    return (
        Assignment.objects.filter(network=network, member_id__in=member_ids)
        .filter(as_of=Subquery(newest))
        .select_related("implementation", "inferred")
    )


def software_of(members) -> dict[int, dict[str, Software]]:
    """Member id -> kind -> Software, from the members' newest assignments."""
    members = list(members)
    result = {member.pk: {kind: Software(kind) for kind in KINDS} for member in members}
    if not members:
        return result
    flag_labels = dict(Assignment.Flag.choices)
    for assignment in latest_assignments(members[0].network, [m.pk for m in members]):
        declared = assignment.source == Assignment.Source.DECLARED
        result[assignment.member_id][assignment.kind] = Software(
            kind=assignment.kind,
            declared=assignment.implementation.name if declared else None,
            inferred=assignment.inferred.name if assignment.inferred else None,
            confidence=assignment.inferred_probability,
            flags=[flag_labels.get(flag, flag) for flag in assignment.flags],
            counted=assignment.implementation.name if assignment.implementation else None,
        )
    return result


def current_shares(network: str) -> list[KindShares]:
    """Shares per kind now, with bounds.

    INTEGRATION(fingerprinting): diversity/fingerprint/shares.py will give the bounds directly
    (accounting for low-confidence members too); until then they are derived from the newest
    assignments: lower = the estimate, upper = the estimate plus every unknown member.
    """
    members = list(active_members(network))
    software = software_of(members)
    threshold = consensus_threshold(network) / CALC_BASE
    result = []
    for kind in KINDS:
        running = {m.address: software[m.pk][kind].implementation for m in members}
        outcome = mix(kind, running, known_implementations(kind))
        rows = [
            ShareRow(s.implementation, s.members, s.share, s.share, s.upper) for s in outcome.shares
        ]
        result.append(KindShares(kind, outcome.members, outcome.unknown, rows, threshold))
    return result


def shares_over_time(network: str, kind: str) -> list[SharePoint]:
    """Shares of `kind` at each day's last assignment run, aggregated in the database.

    INTEGRATION(fingerprinting): replace with its shares-over-time function once it exists.
    """
    rows = (
        Assignment.objects.filter(network=network, kind=kind)
        .values("as_of", "implementation__name")
        .annotate(members=Count("pk"))
        .order_by("as_of")
    )
    by_time: dict[datetime, dict] = {}
    for row in rows:
        by_time.setdefault(row["as_of"], {})[row["implementation__name"]] = row["members"]
    by_day = {at.date(): (at, counts) for at, counts in by_time.items()}  # the day's last run
    points = []
    for at, counts in by_day.values():
        total = sum(counts.values())
        shares = {name: n / total for name, n in counts.items() if name is not None}
        points.append(SharePoint(at, shares, counts.get(None, 0) / total))
    return points
