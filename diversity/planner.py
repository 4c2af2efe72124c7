"""What-if planning of the implementation mix: pure functions over who runs what, no database.

A share is of members, not of submissions: one member, one vote. Watchtower and treegen are
planned separately because a member may run one implementation of each.

**Finalising alone.** The contracts apply a value when ``1e18 * votes // members >= threshold``
(51% by default, see votes.consensus). An implementation whose members reach that can finalise
a value by itself, bug or not; one at 50% or more can block every other value.

**Unknown members** (no declaration and no confident inference) count in the member total but
belong to no implementation. They are the difference between the estimate and the worst case: the
upper bound of a share assumes every unknown member runs that implementation.

**The smallest set of switches.** For a target share t (say 50% or 33%), an implementation may
keep at most ``cap`` members, the largest k with k / N < t. A switch moves one member out of one
implementation, so any plan needs at least ``E = sum(max(0, c_i - cap))`` switches. Moving exactly
E members out of the over-represented implementations into ones below cap reaches the target,
provided the free room ``R = sum(max(0, cap - c_j))`` is at least E. With n the members whose
implementation is known, ``sum(min(c_i, cap)) + E = n`` and ``sum(min(c_i, cap)) + R = K * cap``
over the K known implementations, so ``R >= E`` exactly when ``K * cap >= n``. The greedy plan
below is therefore minimal, and when ``K * cap < n`` no plan with the known implementations
exists: at least ceil(n / cap) implementations are needed. Destinations are filled emptiest first,
which spreads the moved members as evenly as the target allows. Unknown members cannot be moved
(nobody knows what they would switch from); the plan reports whether its result still holds in
the worst case for them.
"""

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from votes.consensus import CALC_BASE, DEFAULT_THRESHOLD

HALF = Fraction(1, 2)


@dataclass(frozen=True)
class Switch:
    member: str
    kind: str
    from_implementation: str
    to_implementation: str


@dataclass
class ImplementationShare:
    implementation: str
    members: int
    share: float
    upper: float  # if every unknown member ran this implementation
    finalises_alone: bool
    could_finalise_alone: bool  # on the upper bound
    majority: bool  # 50% or more: it can block every other value


@dataclass
class MixOutcome:
    kind: str
    members: int
    unknown: int
    shares: list[ImplementationShare]

    @property
    def largest(self) -> ImplementationShare | None:
        return max(self.shares, key=lambda s: s.members, default=None)

    @property
    def finalising_alone(self) -> list[str]:
        return [s.implementation for s in self.shares if s.finalises_alone]

    @property
    def possibly_finalising_alone(self) -> list[str]:
        return [s.implementation for s in self.shares if s.could_finalise_alone]

    @property
    def with_majority(self) -> list[str]:
        return [s.implementation for s in self.shares if s.majority]


@dataclass
class Plan:
    kind: str
    target: Fraction
    cap: int  # most members one implementation may keep under the target
    feasible: bool
    implementations_needed: int
    switches: list[Switch] = field(default_factory=list)
    outcome: MixOutcome | None = None

    @property
    def holds_for_unknown(self) -> bool:
        """Whether the target holds even if every unknown member ran the largest implementation."""
        if not self.feasible or self.outcome is None:
            return False
        largest = self.outcome.largest
        worst = (largest.members if largest else 0) + self.outcome.unknown
        return Fraction(worst, max(self.outcome.members, 1)) < self.target


def finalises_alone(votes: int, members: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """The contracts' rule for balances, prices and rewards: can `votes` identical votes win?"""
    return members > 0 and CALC_BASE * votes // members >= threshold


def mix(
    kind: str,
    running: dict[str, str | None],
    implementations: list[str],
    threshold: int = DEFAULT_THRESHOLD,
) -> MixOutcome:
    """Shares of `kind` when member -> implementation is `running` (None: unknown).

    Every implementation in `implementations` is listed, with zero members if nobody runs it.
    """
    total = len(running)
    counts = Counter(name for name in running.values() if name is not None)
    unknown = total - sum(counts.values())
    names = list(dict.fromkeys([*implementations, *sorted(counts)]))
    shares = []
    for name in names:
        count = counts[name]
        shares.append(
            ImplementationShare(
                implementation=name,
                members=count,
                share=count / total if total else 0.0,
                upper=(count + unknown) / total if total else 0.0,
                finalises_alone=finalises_alone(count, total, threshold),
                could_finalise_alone=finalises_alone(count + unknown, total, threshold),
                majority=total > 0 and Fraction(count, total) >= HALF,
            )
        )
    shares.sort(key=lambda s: (-s.members, names.index(s.implementation)))
    return MixOutcome(kind, total, unknown, shares)


def apply_switches(running: dict[str, str | None], switches: list[Switch]) -> dict[str, str | None]:
    """A copy of `running` after the switches (each names the member and where it goes)."""
    result = dict(running)
    for switch in switches:
        if switch.member not in result:
            raise KeyError(f"{switch.member} is not a member")
        result[switch.member] = switch.to_implementation
    return result


def cap_under(target: Fraction, members: int) -> int:
    """The largest k with k / members < target."""
    scaled = target * members
    whole = scaled.numerator // scaled.denominator
    return whole - 1 if whole == scaled else whole


def smallest_plan(
    kind: str,
    running: dict[str, str | None],
    implementations: list[str],
    target: Fraction,
    threshold: int = DEFAULT_THRESHOLD,
) -> Plan:
    """The fewest switches that bring every implementation of `kind` under `target`.

    Members leave an over-represented implementation in the order they appear in `running`;
    see the module docstring for why the count is minimal.
    """
    total = len(running)
    cap = cap_under(target, total)
    names = list(dict.fromkeys([*implementations, *(n for n in running.values() if n)]))
    counts = Counter({name: 0 for name in names})
    counts.update(name for name in running.values() if name is not None)
    known = sum(counts.values())
    needed = -(-known // cap) if cap > 0 else 0
    plan = Plan(
        kind,
        target,
        cap,
        feasible=cap > 0 and len(names) * cap >= known,
        implementations_needed=needed,
    )
    if not plan.feasible:
        return plan
    leaving = []
    for name in names:
        excess = counts[name] - cap
        if excess > 0:
            members = [m for m, running_name in running.items() if running_name == name]
            leaving += [(m, name) for m in members[:excess]]
            counts[name] = cap
    for member, source in leaving:
        destination = min(names, key=lambda n: (counts[n], names.index(n)))
        counts[destination] += 1
        plan.switches.append(Switch(member, kind, source, destination))
    plan.outcome = mix(kind, apply_switches(running, plan.switches), names, threshold)
    return plan
