"""Recompute the assignments of a network: once a day over its indexed history, and now.

Everything is recomputed on every run, in one transaction: a new declaration changes the
training set of every later day, and the runs are cheap (features come from one load of the
submissions, and the classifier has nothing to train but a scale).
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from diversity.fingerprint.assignments import WINDOWS, assignments_at
from diversity.fingerprint.catalogue import sync_implementations
from diversity.fingerprint.declarations import DeclarationBook
from diversity.fingerprint.features import Activity
from diversity.fingerprint.membership import latest_indexed_time
from diversity.models import Assignment, Implementation
from votes import state

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Refresh:
    network: str
    as_of: datetime | None  # the latest point: "now" on the chain
    points: int
    assignments: int
    seconds: float


def as_of_points(first: datetime, last: datetime, step: timedelta = DAY) -> list[datetime]:
    """Midnights (UTC) after the first vote, then the latest indexed time itself."""
    point = first.replace(hour=0, minute=0, second=0, microsecond=0) + step
    points = []
    while point < last:
        points.append(point)
        point += step
    return [*points, last]


def refresh_assignments(network: str, windows: dict[str, timedelta] | None = None) -> Refresh:
    started = time.perf_counter()
    sync_implementations()
    activity = Activity(network)
    last = latest_indexed_time(network)
    if not activity.votes or last is None:
        return Refresh(network, last, 0, 0, time.perf_counter() - started)
    book = DeclarationBook(network)
    implementations = {(i.kind, i.name): i for i in Implementation.objects.all()}
    points = as_of_points(activity.votes[0].block_time, last)
    rows = [
        row
        for as_of in points
        for row in assignments_at(activity, as_of, book, implementations, windows or WINDOWS)
    ]
    with transaction.atomic():
        Assignment.objects.filter(network=network).delete()
        Assignment.objects.bulk_create(rows, batch_size=500)
        state.bump(state.FINGERPRINT)
    return Refresh(network, last, len(points), len(rows), time.perf_counter() - started)
