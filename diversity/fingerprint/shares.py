"""Each implementation's share of the oDAO vote (members, not submissions), with bounds.

At any time t, every member of the oDAO then counts once per kind:
- with a declaration in force at t: for the declared implementation, with certainty;
- else by its latest assignment at or before t (at most one window old): for the inferred
  implementation, with certainty only when the confidence reaches CONFIDENT;
- else (unknown, low confidence, or no recent assignment): uncertain.

lower = certain members / N; upper = (certain + uncertain members) / N, i.e. every uncertain
member might run it; share = members whose best guess it is / N, between the two. The
"unknown" row holds the members with no guess at all.

Three levels: implementations (the diversity that matters: releases of one codebase share its
bugs; the planner and the alerts work on these), releases (for upgrade coordination: who still
runs an old one), and unknown. A member of a known implementation in a release that matches
none known counts for its implementation, and as "unrecognised" among the releases.
"""

import bisect
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import Max

from diversity.fingerprint.assignments import CONFIDENT, KINDS
from diversity.fingerprint.declarations import DeclarationBook
from diversity.fingerprint.membership import MembershipHistory
from diversity.models import Assignment, Implementation

UNKNOWN_NAME = "unknown"
UNRECOGNISED = "unrecognised"  # a release that matches none known
UNTOLD = "not told"  # neither declared nor told apart by the evidence


@dataclass(frozen=True)
class Share:
    kind: str
    implementation: str
    members: int  # whose best guess it is
    certain: int  # declared, or inferred with confidence
    total: int  # oDAO members at the time
    share: float
    lower: float
    upper: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReleaseShare:
    kind: str
    implementation: str
    release: str  # a version, UNRECOGNISED or UNTOLD ("" for the unknown implementation)
    members: int
    total: int
    share: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class MemberState:
    label: str | None
    certain: bool
    release: str = UNTOLD


class Seen(NamedTuple):
    """One assignment, as the shares need it."""

    name: str | None
    probability: float
    days: float
    release: str


def _release(version: str | None, flags: list[str]) -> str:
    if version:
        return version
    return UNRECOGNISED if Assignment.Flag.UNRECOGNISED_RELEASE in flags else UNTOLD


class ShareBook:
    """Assignments, declarations and membership of a network, loaded once, to answer
    shares at any number of times (a year of daily points for the dashboard is one load)."""

    def __init__(self, network: str, at: datetime | None = None):
        """`at`: only the shares at that time will be asked, so only the assignments that can
        count then (one window back at most) are loaded."""
        self.membership = MembershipHistory(network)
        self.declarations = DeclarationBook(network)
        self.catalogue = {kind: set() for kind in KINDS}
        for kind, name in Implementation.objects.values_list("kind", "name"):
            self.catalogue.setdefault(kind, set()).add(name)
        self.assignment_times: dict[tuple[str, int], list[datetime]] = {}
        self.assignments: dict[tuple[str, int], list[Seen]] = {}
        rows = Assignment.objects.filter(network=network).order_by("as_of")
        if at is not None:
            longest = rows.aggregate(Max("window_days"))["window_days__max"] or 0
            rows = rows.filter(as_of__lte=at, as_of__gte=at - timedelta(days=longest))
        for member_id, kind, as_of, name, probability, days, version, flags in rows.values_list(
            "member_id", "kind", "as_of", "inferred__name", "inferred_probability", "window_days",
            "release__version", "flags",
        ):  # fmt: skip
            self.assignment_times.setdefault((kind, member_id), []).append(as_of)
            self.assignments.setdefault((kind, member_id), []).append(
                Seen(name, probability or 0, days, _release(version, flags))
            )
        self.times = sorted({t for times in self.assignment_times.values() for t in times})

    def state(self, kind: str, member_id: int, at: datetime) -> MemberState:
        declaration = self.declarations.in_force(member_id, at)
        seen = self._latest(kind, member_id, at)
        if declaration is not None:
            version = getattr(declaration, f"{kind}_version")
            return MemberState(getattr(declaration, kind).name, True,
                               version or (seen.release if seen else UNTOLD))  # fmt: skip
        if seen is None or seen.name is None:
            return MemberState(None, False)
        return MemberState(seen.name, seen.probability >= CONFIDENT, seen.release)

    def _latest(self, kind: str, member_id: int, at: datetime) -> Seen | None:
        """The member's latest assignment at or before `at`, if at most a window old."""
        times = self.assignment_times.get((kind, member_id), [])
        position = bisect.bisect_right(times, at)
        if position == 0:
            return None
        seen = self.assignments[(kind, member_id)][position - 1]
        return seen if at - times[position - 1] <= timedelta(days=seen.days) else None

    def shares(self, kind: str, at: datetime) -> list[Share]:
        members = self.membership.members_at(at)
        states = [self.state(kind, member_id, at) for member_id in members]
        total = len(states)
        uncertain = sum(1 for state in states if not state.certain)
        guesses = {state.label for state in states if state.label is not None}
        names = sorted(guesses | self.catalogue.get(kind, set())) if total else []
        rows = []
        for name in names:
            guessed = sum(1 for state in states if state.label == name)
            certain = sum(1 for state in states if state.label == name and state.certain)
            rows.append(Share(kind, name, guessed, certain, total, guessed / total,
                              certain / total, (certain + uncertain) / total))  # fmt: skip
        unknown = sum(1 for state in states if state.label is None)
        if unknown:
            rows.append(Share(kind, UNKNOWN_NAME, unknown, 0, total, unknown / total, 0.0,
                              unknown / total))  # fmt: skip
        return rows

    def release_shares(self, kind: str, at: datetime) -> list[ReleaseShare]:
        """Members per implementation and release (best guesses), and the unknown."""
        states = [self.state(kind, member_id, at) for member_id in self.membership.members_at(at)]
        counts = Counter((s.label, s.release) if s.label else (UNKNOWN_NAME, "") for s in states)
        total = len(states)
        order = sorted(counts, key=lambda key: (key[0] == UNKNOWN_NAME, key))
        return [ReleaseShare(kind, name, release, counts[name, release], total,
                             counts[name, release] / total) for name, release in order]  # fmt: skip

    def all_shares(self, at: datetime) -> dict[str, list[Share]]:
        return {kind: self.shares(kind, at) for kind in KINDS}

    def series(self, start: datetime | None = None, end: datetime | None = None) -> list[dict]:
        """Flat rows (one per time, kind and implementation) at every assignment time."""
        rows = []
        for at in self.times:
            if (start and at < start) or (end and at > end):
                continue
            for kind in KINDS:
                rows.extend({"at": at, **share.as_dict()} for share in self.shares(kind, at))
        return rows
