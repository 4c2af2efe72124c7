"""What a network's assignments are computed from, digested so that a refresh can tell which
points a change reaches.

The assignments at a point `t` depend on
- the submissions, rounds and membership events up to `t` (the windows look back 180 days at
  most, membership as far back as it goes), and the declarations made up to `t` together with
  the implementations and releases they name: these are digested per UTC day, so a changed day
  invalidates every point from its midnight on;
- things that hold at every time: the code that computes them, the windows, and the releases
  the profiles describe (a described release's signature can name any member's release at any
  time): these make one `basis`, and a changed basis invalidates every point.

Implementations and releases that no declaration names and no profile describes are never
used; a release or implementation that a declaration introduced counts from that declaration
on (its day's digest names it). The whole catalogue has a digest of its own all the same,
because the share pages list it.

Digests are of the values themselves, not of ids or watermarks, so that a change is seen
whoever made it: new rows, rows rolled back after a reorg and indexed again, the consensus
replay marking an old vote late, a declaration dated in the past. The votes, a year of them,
are rendered as text by the database (no datetimes or decimals built in Python just to be
hashed), which keeps the digest a small part of a daily refresh.
"""

import functools
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.db.models import CharField, Func, Value
from django.db.models.functions import Cast, Coalesce

from diversity.fingerprint import (
    assignments,
    classifier,
    declarations,
    features,
    membership,
    releases,
    traits,
)
from diversity.models import Declaration, Implementation, Release
from votes.models import MembershipEvent, Round, Submission

# The modules whose code decides an assignment's values: a deploy that changes one of them
# makes every stored assignment stale.
MODEL_CODE = (assignments, classifier, declarations, features, membership, releases, traits)
EVENT_FIELDS = ("block_number", "log_index", "member_id", "kind", "timestamp", "id")
DECLARATION_FIELDS = (
    "declared_at", "nonce", "id", "member_id", "watchtower_id", "watchtower__kind",
    "watchtower__name", "watchtower_version", "treegen_id", "treegen__kind", "treegen__name",
    "treegen_version",
)  # fmt: skip


@dataclass(frozen=True)
class Inputs:
    basis: str
    catalogue: str
    days: dict[str, str]  # ISO day -> digest

    def first_changed_day(self, before: dict[str, str]) -> date | None:
        """The earliest day whose inputs differ from `before` (added, removed or changed)."""
        changed = [day for day in self.days.keys() | before.keys()
                   if self.days.get(day) != before.get(day)]  # fmt: skip
        return date.fromisoformat(min(changed)) if changed else None


def digest_inputs(network: str, windows: dict[str, timedelta]) -> Inputs:
    """The digests of everything the assignments of `network` are computed from."""
    catalogue = Catalogue()
    days = DayDigests()
    votes = Submission.objects.filter(network=network).order_by("block_time", "id")
    for text in votes.values_list(RowText("block_time", *features.SUBMISSION_FIELDS), flat=True):
        days.add_text(text[:10], text)  # the text starts with the UTC day
    rounds = Round.objects.filter(network=network, opened_at__isnull=False).order_by("id")
    for opened, duty, round_id in rounds.values_list("opened_at", "duty", "id"):
        days.add("round", opened, (duty, round_id))
    events = MembershipEvent.objects.filter(network=network).order_by(*EVENT_FIELDS)
    for event in events.values_list(*EVENT_FIELDS):
        days.add("membership", event[4], event)
    for row in _declarations(network):
        days.add("declaration", row[0], (*row, *catalogue.named_by(row)))
    return Inputs(_digest(code_digest(), _windows(windows), catalogue.described),
                  _digest(catalogue.everything), days.hexdigests())  # fmt: skip


class DayDigests:
    """One running digest per UTC day; each source adds its rows in a fixed order."""

    def __init__(self):
        self.digests = defaultdict(lambda: hashlib.blake2b(digest_size=12))

    def add(self, source: str, at: datetime, values: tuple) -> None:
        self.add_text(at.astimezone(UTC).date().isoformat(), f"{source}{values!r}")

    def add_text(self, day: str, text: str) -> None:
        self.digests[day].update(f"{text}\n".encode())

    def hexdigests(self) -> dict[str, str]:
        return {day: digest.hexdigest() for day, digest in sorted(self.digests.items())}


class Catalogue:
    """The implementations and releases, as plain values."""

    def __init__(self):
        self.implementations = list(Implementation.objects.order_by("id").values_list(
            "id", "kind", "name"))  # fmt: skip
        rows = Release.objects.order_by("id").values_list(
            "id", "implementation_id", "version", "behaviour"
        )
        self.releases = [(*row[:3], json.dumps(row[3], sort_keys=True)) for row in rows]
        self.release_ids = {(row[1], row[2]): row[0] for row in self.releases}

    @property
    def described(self) -> list[tuple]:
        """Releases with a profile: their signatures apply at every time."""
        return [release for release in self.releases if release[3] != "{}"]

    @property
    def everything(self) -> list[tuple]:
        return [self.implementations, self.releases]

    def named_by(self, declaration: tuple) -> tuple:
        """The release rows a declaration's versions name (None where there is none)."""
        fields = dict(zip(DECLARATION_FIELDS, declaration, strict=True))
        return tuple(self.release_ids.get((fields[f"{kind}_id"], fields[f"{kind}_version"]))
                     for kind in ("watchtower", "treegen"))  # fmt: skip


class RowText(Func):
    """The fields of a row as one text rendered by the database, "|"-separated, NULL as empty.
    Flat `a || '|' || b`: Django's Concat nests a pair per field, which SQLite's parser refuses
    beyond a dozen. The first field should be a time (UTC, as Django's connections render it),
    so that the text starts with its day."""

    template = "%(expressions)s"
    arg_joiner = " || '|' || "
    output_field = CharField()

    def __init__(self, *fields: str):
        super().__init__(*(Coalesce(Cast(name, CharField()), Value("")) for name in fields))


def _declarations(network: str) -> list[tuple]:
    rows = Declaration.objects.filter(network=network).order_by("declared_at", "nonce", "id")
    return list(rows.values_list(*DECLARATION_FIELDS))


@functools.cache
def code_digest() -> str:
    """The source of the modules that compute an assignment (read once per process)."""
    digest = hashlib.blake2b(digest_size=12)
    for module in MODEL_CODE:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def _windows(windows: dict[str, timedelta]) -> list:
    return sorted((str(kind), span.total_seconds()) for kind, span in windows.items())


def _digest(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
