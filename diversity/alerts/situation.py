"""What the rules look at: one `Situation` per evaluation, and the `Condition`s they return.

A Situation is built once per evaluation (`current_situation`) so every rule judges the same
moment; tests build one by hand to replay any moment (a share snapshot, a node that is down).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from diversity.alerts import sources
from votes.chain.client import ChainClient
from votes.chain.networks import NetworkConfigError, get_network
from votes.consensus import CALC_BASE, DEFAULT_THRESHOLD
from votes.models import Checkpoint, Consensus

ImplementationOf = Callable[[str, str, datetime], str | None]  # (address, kind, at) -> name
HEAD_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ShareEstimate:
    """One implementation's share of the oDAO's members for one kind, with its bounds (members
    of unknown software counted against it for `upper`, for the others for `lower`)."""

    implementation: str
    kind: str  # "watchtower" or "treegen"
    estimate: float
    lower: float
    upper: float


@dataclass
class Condition:
    rule: str
    key: str  # stable: the same condition found again has the same key
    severity: str
    title: str
    message: str
    details: dict = field(default_factory=dict)


@dataclass
class Situation:
    network: str
    now: datetime
    threshold: float = DEFAULT_THRESHOLD / CALC_BASE  # the consensus threshold, 0.51
    shares: list[ShareEstimate] | None = None  # None: no share data to judge by
    implementation_of: ImplementationOf | None = None
    head: int | None = None  # chain head; None when the node did not answer
    head_error: str = ""
    indexed_block: int | None = None
    start_block: int = 0


def consensus_threshold(network: str) -> float:
    """The threshold the contracts applied at the latest consensus, as a fraction."""
    latest = (
        Consensus.objects.filter(round__network=network, status=Consensus.Status.REACHED)
        .order_by("-block_number")
        .values_list("threshold", flat=True)
        .first()
    )
    return int(latest if latest is not None else DEFAULT_THRESHOLD) / CALC_BASE


def current_situation(network: str | None = None, now: datetime | None = None) -> Situation:
    """The situation on `network` now: shares, implementations, chain head and index position."""
    now = now or timezone.now()
    situation = Situation(network=network or settings.TOWERWATCH_NETWORK, now=now)
    try:
        config = get_network(network)
    except NetworkConfigError as error:
        situation.head_error = str(error)
        return situation
    situation.network, situation.start_block = config.name, config.start_block
    situation.threshold = consensus_threshold(config.name)
    situation.shares = sources.current_shares(config.name, now)
    situation.implementation_of = sources.implementation_of(config.name)
    checkpoint = Checkpoint.objects.filter(network=config.name).first()
    situation.indexed_block = checkpoint.block_number if checkpoint else None
    try:
        client = ChainClient(config.rpc_url, timeout=HEAD_TIMEOUT_SECONDS, max_attempts=2)
        situation.head = client.block_number()
    except Exception as error:  # any failure to get an answer is "unreachable"
        situation.head_error = f"{type(error).__name__}: {error}"[:500]
    return situation


def moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "an unknown time"


def member_label(member) -> str:
    address = member.address
    short = f"{address[:6]}…{address[-4:]}"
    return f"{member.member_id} ({short})" if member.member_id else short
