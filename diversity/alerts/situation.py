"""What the rules look at: one `Situation` per evaluation, and the `Condition`s they return.

A Situation is built once per evaluation (sources.current_situation) so every rule judges the
same moment; tests build one by hand to replay any moment (a share snapshot, a node that is down).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from votes.consensus import CALC_BASE, DEFAULT_THRESHOLD

ImplementationOf = Callable[[str, str, datetime], str | None]  # (address, kind, at) -> name


@dataclass(frozen=True)
class ShareEstimate:
    """One implementation's share of the oDAO's members for one kind, with its bounds (members
    of unknown software counted against it for `upper`, for the others for `lower`)."""

    implementation: str
    kind: str  # "watchtower" or "treegen"
    estimate: float
    lower: float
    upper: float
    unsettled: tuple[str, ...] = ()  # the members whose declaration would settle the bounds


@dataclass
class Condition:
    rule: str
    key: str  # stable: the same condition about the same subject has the same key, whatever
    severity: str  # its level now (the alert moves along the ladder as this changes)
    title: str
    message: str
    details: dict = field(default_factory=dict)
    certainty: str = "certain"  # or "possible": raised only by an upper bound


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


def moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "an unknown time"


def member_label(member) -> str:
    address = member.address
    short = f"{address[:6]}…{address[-4:]}"
    return f"{member.member_id} ({short})" if member.member_id else short
