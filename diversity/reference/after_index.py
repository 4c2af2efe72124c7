"""The balances reference right after an indexing pass: what `index` (with `--beacon`) adds.

The balances rounds a pass touched (a vote at or after its first block) and those never checked
get their verdict from the computer the `reference` command builds (`setup.verdict_computer`:
`--beacon URL`, else BEACON_URL, else the devnet's own beacon-API server), so a verdict does not
depend on which command computed it. Without a beacon node, or with one that does not answer,
total and staking ETH stay unchecked, and the one-line summary says why.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from diversity.models import Verdict
from diversity.reference.balances import BEACON_FIELDS
from diversity.reference.implementations import implementation_lookup
from diversity.reference.setup import verdict_computer
from votes.chain.networks import NetworkConfig
from votes.models import Round

REASONS_SHOWN = 3


@dataclass
class BalancesChecked:
    """The verdicts of the balances rounds one pass touched, and why fields went unchecked."""

    source: str
    outcomes: dict[str, int]
    unchecked: Counter = field(default_factory=Counter)  # reason -> rounds it left unchecked

    @property
    def rounds(self) -> int:
        return sum(self.outcomes.values())

    def line(self) -> str:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
        text = f"balances reference for {self.rounds} rounds ({counts}) from {self.source}"
        for reason, n in self.unchecked.most_common(REASONS_SHOWN):
            text += f"; total and staking ETH unchecked in {n}: {reason}"
        return text


def rounds_to_check(network: str, since_block: int) -> list[int]:
    """Ids of the balances rounds with a vote at or after `since_block`, or with no verdict."""
    touched = Q(submissions__block_number__gte=since_block) | Q(verdict__isnull=True)
    rounds = Round.objects.filter(touched, network=network, duty="balances").distinct()
    return list(rounds.values_list("id", flat=True))


def check_balances(
    config: NetworkConfig,
    since_block: int,
    beacon_url: str | None = None,
    implementation_of: Callable | None = None,
) -> BalancesChecked | None:
    """Compute the verdicts of the balances rounds a pass from `since_block` touched; None if
    there were none. Raises RpcError if the execution node fails (the index is already kept)."""
    ids = rounds_to_check(config.name, since_block)
    if not ids:
        return None
    lookup = implementation_of or implementation_lookup(config.name)
    computer = verdict_computer(config, lookup, beacon_url=beacon_url)
    outcomes = computer.compute(Round.objects.filter(id__in=ids))
    source = computer.balance_source.name if computer.balance_source else "no beacon node"
    return BalancesChecked(source, outcomes, _unchecked_reasons(ids))


def _unchecked_reasons(round_ids: list[int]) -> Counter:
    reasons: Counter = Counter()
    verdicts = Verdict.objects.filter(round_id__in=round_ids)
    for unchecked in verdicts.values_list("unchecked", flat=True):
        reasons.update({unchecked[f] for f in BEACON_FIELDS if f in unchecked})
    return reasons
