"""Where a Situation comes from: the node, the index, and the fingerprinting module.

"Now" is the time of the chain head when the node answers (on mainnet the wall clock, on the
devnet the simulated time), else the wall clock. Shares and per-member implementations come from
one ShareBook (declarations, assignments and membership, loaded once per evaluation). A kind in
which no member has a label yet (nothing declared or inferred) is left out of the shares: its
upper bounds would all be 100%, which says "no data", not "emergency". Each share names the
members whose software is not known for certain: their declarations would settle its bounds.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from diversity.alerts.situation import ImplementationOf, ShareEstimate, Situation, member_label
from diversity.fingerprint.assignments import KINDS
from diversity.fingerprint.shares import UNKNOWN_NAME, ShareBook
from votes.chain.client import ChainClient
from votes.chain.networks import NetworkConfig, NetworkConfigError, get_network
from votes.consensus import CALC_BASE, DEFAULT_THRESHOLD
from votes.models import Checkpoint, Consensus, Member

HEAD_TIMEOUT_SECONDS = 10.0


def current_situation(network: str | None = None, config: NetworkConfig | None = None) -> Situation:
    """The situation on `network` now (or on the node and contracts `config` names): chain
    head, index position, shares, implementations."""
    situation = Situation(network=network or settings.TOWERWATCH_NETWORK, now=timezone.now())
    try:
        config = config or get_network(network)
    except NetworkConfigError as error:
        situation.head_error = str(error)
        return situation
    situation.network, situation.start_block = config.name, config.start_block
    try:
        client = ChainClient(config.rpc_url, timeout=HEAD_TIMEOUT_SECONDS, max_attempts=2)
        situation.head = client.block_number()
        head_time = int(client.get_block(situation.head)["timestamp"], 16)
        situation.now = datetime.fromtimestamp(head_time, UTC)
    except Exception as error:  # any failure to get an answer is "unreachable"
        situation.head = None
        situation.head_error = f"{type(error).__name__}: {error}"[:500]
    checkpoint = Checkpoint.objects.filter(network=config.name).first()
    situation.indexed_block = checkpoint.block_number if checkpoint else None
    situation.threshold = consensus_threshold(config.name)
    book = ShareBook(config.name)
    situation.shares = current_shares(book, situation.now)
    situation.implementation_of = implementation_lookup(book, config.name)
    return situation


def consensus_threshold(network: str) -> float:
    """The threshold the contracts applied at the latest consensus, as a fraction."""
    latest = (
        Consensus.objects.filter(round__network=network, status=Consensus.Status.REACHED)
        .order_by("-block_number")
        .values_list("threshold", flat=True)
        .first()
    )
    return int(latest if latest is not None else DEFAULT_THRESHOLD) / CALC_BASE


def current_shares(book: ShareBook, at: datetime) -> list[ShareEstimate] | None:
    """Each implementation's share of members at `at` per kind; None if no kind has data."""
    estimates, judged = [], False
    members = None
    for kind in KINDS:
        rows = [row for row in book.shares(kind, at) if row.implementation != UNKNOWN_NAME]
        if not any(row.members for row in rows):
            continue
        judged = True
        members = members if members is not None else members_at(book, at)
        unsettled = tuple(
            member_label(member)
            for member in members
            if not book.state(kind, member.id, at).certain
        )
        estimates += [
            ShareEstimate(row.implementation, str(kind), row.share, row.lower, row.upper,
                          unsettled if row.upper > row.lower else ())
            for row in rows
        ]  # fmt: skip
    return estimates if judged else None


def members_at(book: ShareBook, at: datetime) -> list[Member]:
    ids = book.membership.members_at(at)
    return sorted(Member.objects.filter(id__in=ids), key=lambda m: (m.member_id, m.address))


def implementation_lookup(book: ShareBook, network: str) -> ImplementationOf:
    """(address, kind, at) -> the implementation the member ran then, by the same rules as
    the shares (its declaration in force, else its recent assignment), or None."""
    members = Member.objects.filter(network=network).values_list("address", "id")
    ids = {address.lower(): member_id for address, member_id in members}

    def implementation_of(address: str, kind: str, at: datetime) -> str | None:
        member_id = ids.get(address.lower())
        return book.state(kind, member_id, at).label if member_id is not None else None

    return implementation_of
