"""oDAO membership at any moment, from the indexed join/leave/kick history.

Member.joined_at/left_at only hold the latest spell; a member can leave and join again, so the
truth at a past moment comes from MembershipEvent, replayed in chain order.
"""

from datetime import UTC, datetime

from votes.models import IndexedBlock, Member, MembershipEvent, Submission

JOINING = {MembershipEvent.Kind.JOINED, MembershipEvent.Kind.SNAPSHOT}


class MembershipHistory:
    """Each member's spells of membership, [start, end) with end None while still a member."""

    def __init__(self, network: str):
        self.network = network
        self.spells: dict[int, list[list]] = {}
        events = MembershipEvent.objects.filter(network=network).order_by(
            "block_number", "log_index"
        )
        for event in events:
            spells = self.spells.setdefault(event.member_id, [])
            if event.kind in JOINING:
                if not spells or spells[-1][1] is not None:
                    spells.append([event.timestamp, None])
            elif spells and spells[-1][1] is None:
                spells[-1][1] = event.timestamp

    def is_member(self, member_id: int, at: datetime) -> bool:
        return any(
            start <= at and (end is None or at < end)
            for start, end in self.spells.get(member_id, [])
        )

    def members_at(self, at: datetime) -> list[int]:
        return sorted(member_id for member_id in self.spells if self.is_member(member_id, at))

    def overlap_seconds(self, member_id: int, start: datetime, end: datetime) -> float:
        """How long the member was a member within [start, end)."""
        total = 0.0
        for spell_start, spell_end in self.spells.get(member_id, []):
            low = max(start, spell_start)
            high = min(end, spell_end) if spell_end is not None else end
            total += max(0.0, (high - low).total_seconds())
        return total


def member_by_address(network: str, address: str) -> Member | None:
    return Member.objects.filter(network=network, address__iexact=address).first()


def latest_indexed_time(network: str) -> datetime | None:
    """The chain time the index has reached: 'now' for assignments and shares."""
    block = IndexedBlock.objects.filter(network=network).order_by("-number").first()
    if block is not None:
        return datetime.fromtimestamp(block.timestamp, UTC)
    last = Submission.objects.filter(network=network).order_by("-block_number").first()
    return last.block_time if last else None
