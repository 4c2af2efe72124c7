"""The implementation mix as the dashboard reads it: who runs what, and the shares over time.

Everything comes from the fingerprinting module's ShareBook (declarations, assignments and
membership), so the pages count members exactly as the alerts and the API do. What the pages
need from it is computed once into a MixSnapshot and cached until one of its inputs changes
(the chain, declarations or assignments: votes/state.py).
"Now" is the chain time the index has reached, not the wall clock: on the devnet the simulated
history lies in the past, and assignments older than their window count as unknown.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from diversity.fingerprint.membership import latest_indexed_time
from diversity.fingerprint.shares import UNKNOWN_NAME, ShareBook
from diversity.models import Assignment, Implementation
from votes.consensus import CALC_BASE, DEFAULT_THRESHOLD
from votes.models import Consensus, Member
from votes.state import CHAIN, DECLARATIONS, FINGERPRINT, stamp

KINDS = ("watchtower", "treegen")
SNAPSHOT_SECONDS = 3600


@dataclass
class Software:
    """What one member runs of one kind: declared, inferred from its transactions, and counted."""

    kind: str
    declared: str | None = None
    inferred: str | None = None
    confidence: float | None = None  # of the inferred label, 0..1
    flags: list[str] = field(default_factory=list)
    counted: str | None = None  # what the shares count it as; None: unknown
    certain: bool = False  # declared, or inferred with confidence

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
    unknown: int  # members with no guess at all
    rows: list[ShareRow]
    threshold: float  # the consensus threshold as a fraction of members (0.51)

    @property
    def has_data(self) -> bool:
        return any(row.members for row in self.rows)


@dataclass
class SharePoint:
    at: datetime
    shares: dict[str, float]  # implementation -> share of members (the best guesses)
    unknown: float


def chain_now(network: str) -> datetime:
    return latest_indexed_time(network) or timezone.now()


def consensus_threshold(network: str) -> int:
    """The threshold the contracts used at the latest consensus (1e18 = 100%)."""
    latest = (
        Consensus.objects.filter(round__network=network, status=Consensus.Status.REACHED)
        .order_by("-block_number")
        .values_list("threshold", flat=True)
        .first()
    )
    return int(latest) if latest is not None else DEFAULT_THRESHOLD


def active_members(network: str):
    """Members of the oDAO now, in joining order."""
    return Member.objects.filter(network=network, left_block__isnull=True)


def known_implementations(kind: str) -> list[str]:
    """Every implementation of `kind` towerwatch knows, by name."""
    names = Implementation.objects.filter(kind=kind).order_by("name").values_list("name", flat=True)
    return list(names)


@dataclass
class MixSnapshot:
    """Everything the pages need from the ShareBook, computed once per change of its inputs."""

    at: datetime  # "now" on the chain
    shares: list[KindShares]
    history: dict[str, list[SharePoint]]
    software: dict[int, dict[str, Software]]  # member id -> kind -> declared / counted


def mix_snapshot(network: str) -> MixSnapshot:
    """The snapshot for `network`, from the cache while the chain, declarations and assignments
    are unchanged. Building it loads a year of assignments and evaluates the shares for every
    day (a few hundred ms); the version check is one tiny query. Several pages share it.
    """
    key = f"towerwatch:mix:{network}:{stamp((CHAIN, DECLARATIONS, FINGERPRINT)).tag}"
    snapshot = cache.get(key)
    if snapshot is None:
        snapshot = build_snapshot(network)
        cache.set(key, snapshot, SNAPSHOT_SECONDS)
    return snapshot


def build_snapshot(network: str) -> MixSnapshot:
    book = ShareBook(network)
    at = chain_now(network)
    threshold = consensus_threshold(network) / CALC_BASE
    software = {}
    for member in Member.objects.filter(network=network):
        when = min(at, member.left_at) if member.left_at else at
        declaration = book.declarations.in_force(member.pk, when)
        software[member.pk] = {}
        for kind in KINDS:
            state = book.state(kind, member.pk, when)
            declared = getattr(declaration, kind).name if declaration else None
            software[member.pk][kind] = Software(
                kind, declared=declared, counted=state.label, certain=state.certain
            )
    return MixSnapshot(
        at=at,
        shares=[kind_shares(book, kind, at, threshold) for kind in KINDS],
        history={kind: shares_over_time(book, kind) for kind in KINDS},
        software=software,
    )


def kind_shares(book: ShareBook, kind: str, at: datetime, threshold: float) -> KindShares:
    shares = book.shares(kind, at)
    total = shares[0].total if shares else 0
    unknown = sum(s.members for s in shares if s.implementation == UNKNOWN_NAME)
    rows = [
        ShareRow(s.implementation, s.members, s.share, s.lower, s.upper)
        for s in sorted(shares, key=lambda s: (-s.members, s.implementation))
        if s.implementation != UNKNOWN_NAME
    ]
    return KindShares(kind, total, unknown, rows, threshold)


def shares_over_time(book: ShareBook, kind: str) -> list[SharePoint]:
    """Shares of `kind` at the last assignment run of each day."""
    last_of_day = {at.date(): at for at in book.times}
    points = []
    for at in last_of_day.values():
        shares = book.shares(kind, at)
        if not shares:
            continue
        guesses = {s.implementation: s.share for s in shares if s.implementation != UNKNOWN_NAME}
        unknown = sum(s.share for s in shares if s.implementation == UNKNOWN_NAME)
        points.append(SharePoint(at, guesses, unknown))
    return points


def latest_assignments(network: str, member_ids: list[int], at: datetime) -> list[Assignment]:
    """Each member's newest Assignment per kind at or before `at`, in two queries. The refresh
    writes every member at the same points, so the newest times are few: one for the current
    members, one per member who left."""
    mine = Assignment.objects.filter(network=network, member_id__in=member_ids, as_of__lte=at)
    newest = {
        (row["member_id"], row["kind"]): row["as_of"]
        for row in mine.order_by().values("member_id", "kind").annotate(as_of=Max("as_of"))
    }
    rows = mine.filter(as_of__in=set(newest.values())).select_related("inferred")
    return [row for row in rows if newest[(row.member_id, row.kind)] == row.as_of]


def software_of(members, snapshot: MixSnapshot) -> dict[int, dict[str, Software]]:
    """Member id -> kind -> Software: the snapshot's declared and counted labels, with the
    newest assignment's inference, confidence and flags."""
    members = list(members)
    result = {
        m.pk: {kind: replace(snapshot.software[m.pk][kind]) if m.pk in snapshot.software
               else Software(kind) for kind in KINDS}
        for m in members
    }  # fmt: skip
    if not members:
        return result
    flag_labels = dict(Assignment.Flag.choices)
    for row in latest_assignments(members[0].network, [m.pk for m in members], snapshot.at):
        software = result[row.member_id][row.kind]
        software.inferred = row.inferred.name if row.inferred else None
        software.confidence = row.inferred_probability
        software.flags = [flag_labels.get(flag, flag) for flag in row.flags]
    return result
