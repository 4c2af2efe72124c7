"""Versions of the stored state, so that what is derived from it can be cached and never stale.

Every page and API list is a function of a few parts of the database. Each part has a version
token that every writer of the part replaces in its own transaction (`bump`), and a reader puts
the tokens of the parts it depends on into its cache key (`stamp`): a write makes a new key, so
an old entry can never be served again, whoever wrote and whichever process cached.

Tokens are random, not counters, so that a database built again from scratch (a new devnet, a
restored backup, a test rolled back) never repeats a token that a shared cache may still hold.
The part names are the only coupling: `votes/` writes CHAIN, `diversity/` the others.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from votes.models import StateVersion

CHAIN = "chain"  # members, rounds, submissions, consensus, indexed blocks, the checkpoint
REFERENCE = "reference"  # verdicts and their disagreements
FINGERPRINT = "fingerprint"  # assignments and the implementation catalogue
DECLARATIONS = "declarations"  # signed declarations (and implementations they introduce)
ALERTS = "alerts"  # alerts, their events and deliveries, the rule settings
PARTS = (CHAIN, REFERENCE, FINGERPRINT, DECLARATIONS, ALERTS)


@dataclass(frozen=True)
class Stamp:
    """The versions of some parts: `tag` changes whenever any of them does."""

    tag: str
    modified: datetime | None  # when the newest of them changed; None if never recorded


def bump(*parts: str) -> None:
    """Record that `parts` changed. Call it inside the writer's transaction (or after it
    commits, never before): a reader then sees the new token only together with the new rows."""
    now = timezone.now()
    for part in sorted(set(parts)):  # one order for everyone: two writers never deadlock
        if part not in PARTS:
            raise ValueError(f"unknown state part {part!r}")
        StateVersion.objects.update_or_create(
            part=part, defaults={"token": secrets.token_hex(8), "changed_at": now}
        )


def stamp(parts: tuple[str, ...]) -> Stamp:
    """The current versions of `parts`, in one query."""
    rows = {
        part: (token, changed_at)
        for part, token, changed_at in StateVersion.objects.filter(part__in=parts).values_list(
            "part", "token", "changed_at"
        )
    }
    tag = ".".join(f"{part}={rows.get(part, ('-',))[0]}" for part in sorted(parts))
    times = [changed_at for _, changed_at in rows.values()]
    return Stamp(tag, max(times) if times else None)
