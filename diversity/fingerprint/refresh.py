"""Keep the assignments of a network up to date: one point a day over its indexed history (each
midnight, UTC) and one at the latest indexed time.

A point's assignments depend only on the inputs up to its time and on what holds at every time
(inputs.py). A refresh therefore compares the digests of the inputs with those the stored rows
were computed from (FingerprintState) and recomputes the points from the first changed day on:
on a normal day, the points since yesterday's midnight; after a declaration dated in the past
or a reorg, everything from that day on; after a change of the code, the windows or the
described releases, everything. The result is the same as a full recomputation (`full=True`),
which tests check row by row.

It all happens in one transaction that holds the network's FingerprintState row, so two
refreshes never interleave, and a refresh rolled back leaves the state it found. The state
version that cached pages depend on is bumped only when something changed.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max

from diversity.fingerprint.assignments import KINDS, WINDOWS, assignments_at
from diversity.fingerprint.catalogue import sync_implementations
from diversity.fingerprint.declarations import DeclarationBook
from diversity.fingerprint.features import Activity
from diversity.fingerprint.inputs import Inputs, digest_inputs
from diversity.fingerprint.membership import latest_indexed_time
from diversity.fingerprint.releases import ReleaseCatalogue
from diversity.models import Assignment, FingerprintState, Implementation
from votes import state
from votes.models import Submission

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Refresh:
    network: str
    as_of: datetime | None  # the latest point: "now" on the chain
    points: int  # points recomputed by this refresh
    assignments: int  # rows written by this refresh
    seconds: float
    full: bool = False  # every point was recomputed
    recomputed_from: datetime | None = None  # the earliest point recomputed
    total_points: int = 0  # points in the history


@dataclass(frozen=True)
class Plan:
    """Which points to compute and which stored points to delete."""

    compute: list[datetime]
    drop: set[datetime]
    full: bool

    @property
    def recomputed_from(self) -> datetime | None:
        return self.compute[0] if self.compute else None


def as_of_points(first: datetime, last: datetime, step: timedelta = DAY) -> list[datetime]:
    """Midnights (UTC) after the first vote, then the latest indexed time itself."""
    point = first.replace(hour=0, minute=0, second=0, microsecond=0) + step
    points = []
    while point < last:
        points.append(point)
        point += step
    return [*points, last]


def refresh_assignments(network: str, windows: dict[str, timedelta] | None = None,
                        full: bool = False) -> Refresh:  # fmt: skip
    """Recompute the points whose inputs changed since the last refresh (all with `full`)."""
    started = time.perf_counter()
    windows = windows or WINDOWS
    sync_implementations()
    FingerprintState.objects.get_or_create(network=network)
    with transaction.atomic():
        record = FingerprintState.objects.select_for_update().get(network=network)
        first, last = _first_vote_time(network), latest_indexed_time(network)
        if first is None or last is None:
            return Refresh(network, last, 0, 0, time.perf_counter() - started)
        inputs = digest_inputs(network, windows)
        points = as_of_points(first, last)
        plan = plan_refresh(record, inputs, points, full or not _rows_as_recorded(record))
        rows = _compute(network, plan.compute, windows)
        _write(network, plan, rows)
        changed = bool(plan.compute or plan.drop) or record.catalogue != inputs.catalogue
        _record(record, inputs)
        if changed:
            state.bump(state.FINGERPRINT)
    return Refresh(network, last, len(plan.compute), len(rows), time.perf_counter() - started,
                   plan.full, plan.recomputed_from, len(points))  # fmt: skip


def plan_refresh(record: FingerprintState, inputs: Inputs, points: list[datetime],
                 full: bool) -> Plan:  # fmt: skip
    """Keep the stored points that are still in the history and before the first changed day;
    compute every other point. Everything when forced or when the basis changed."""
    stored = set(
        Assignment.objects.filter(network=record.network)
        .order_by()
        .values_list("as_of", flat=True)
        .distinct()
    )
    full = full or record.basis != inputs.basis
    changed = None if full else inputs.first_changed_day(record.days)
    if full:
        kept = set()
    elif changed is None:
        kept = stored & set(points)
    else:
        since = datetime(changed.year, changed.month, changed.day, tzinfo=UTC)
        kept = {point for point in stored & set(points) if point < since}
    return Plan([point for point in points if point not in kept], stored - kept, full)


def _rows_as_recorded(record: FingerprintState) -> bool:
    """Whether the network's rows are those the last refresh wrote (nothing else wrote any)."""
    found = Assignment.objects.filter(network=record.network).aggregate(
        rows=Count("id"), last=Max("id")
    )
    return (found["rows"], found["last"]) == (record.assignments, record.last_assignment_id)


def _first_vote_time(network: str) -> datetime | None:
    votes = Submission.objects.filter(network=network).order_by("block_time")
    return votes.values_list("block_time", flat=True).first()


def _compute(network: str, points: list[datetime], windows) -> list[Assignment]:
    """The rows of `points`, from the votes their windows reach (all, for a full refresh)."""
    if not points:
        return []
    activity = Activity(network, since=points[0] - max(windows.values()))
    book = DeclarationBook(network)
    implementations = {(i.kind, i.name): i for i in Implementation.objects.all()}
    releases = {kind: ReleaseCatalogue(kind) for kind in KINDS}
    return [row for as_of in points
            for row in assignments_at(activity, as_of, book, implementations, windows,
                                      releases)]  # fmt: skip


def _write(network: str, plan: Plan, rows: list[Assignment]) -> None:
    stale = Assignment.objects.filter(network=network)
    if not plan.full:
        stale = stale.filter(as_of__in=sorted(plan.drop))
    if plan.full or plan.drop:
        stale.delete()
    Assignment.objects.bulk_create(rows, batch_size=500)


def _record(record: FingerprintState, inputs: Inputs) -> None:
    found = Assignment.objects.filter(network=record.network).aggregate(
        rows=Count("id"), last=Max("id")
    )
    record.basis, record.catalogue, record.days = inputs.basis, inputs.catalogue, inputs.days
    record.assignments, record.last_assignment_id = found["rows"], found["last"]
    record.save()
