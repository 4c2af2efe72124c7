"""Which implementation a member ran at a moment, for naming disagreements.

Reads the shares book of the fingerprinting module (a declaration in force first, else the
latest inferred assignment); an empty string means towerwatch does not know.
"""

from collections.abc import Callable
from datetime import datetime

from diversity.fingerprint.shares import ShareBook
from votes.models import Member


def implementation_lookup(network: str) -> Callable[[str, str, datetime], str]:
    """(member address, kind, at) -> implementation name, from one load of the book."""
    book = ShareBook(network)
    member_ids = dict(Member.objects.filter(network=network).values_list("address", "id"))

    def implementation_at(address: str, kind: str, at: datetime) -> str:
        member_id = member_ids.get(address)
        if member_id is None:
            return ""
        return book.state(kind, member_id, at).label or ""

    return implementation_at
