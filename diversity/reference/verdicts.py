"""Verdicts: the reference value of every round, compared with consensus and each submission.

A verdict says whether consensus equals the reference; a Disagreement row names each submission
that differs (member, the implementations it ran then, the field, by how much). The alerts read
these rows; nothing here decides who to notify.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from diversity.models import Disagreement, Verdict
from diversity.reference.balances import Reference, balances_reference, bounds_checks
from diversity.reference.rewards import rewards_reference
from diversity.reference.sources import BeaconBalanceSource, PriceSource
from votes import state
from votes.chain.client import ChainClient
from votes.chain.registry import address_at
from votes.models import Consensus, Round, Submission

log = logging.getLogger(__name__)
ImplementationOf = Callable[[str, str, datetime], str]  # (member address, kind, at) -> name


def compared_fields(duty: str, values: dict) -> dict[str, str]:
    """The submitted fields that a reference can check, as strings (exact comparison)."""
    if duty == "balances":
        return {f: str(values[f]) for f in ("total_eth", "staking_eth", "reth_supply")}
    if duty == "prices":
        return {"rpl_price": str(values["rpl_price"])}
    if duty == "rewards":
        return {"merkle_root": values["submission"]["merkle_root"].lower()}
    return {}


class VerdictComputer:
    def __init__(self, network: str, client: ChainClient, rocket_storage: str,
                 balance_source: BeaconBalanceSource | None, price_source: PriceSource | None,
                 implementation_of: ImplementationOf):  # fmt: skip
        self.network, self.client, self.storage = network, client, rocket_storage
        self.balance_source, self.price_source = balance_source, price_source
        self.implementation_of = implementation_of

    def reference(self, sim_round: Round, consensus_values: dict | None) -> Reference:
        duty, block = sim_round.duty, sim_round.key_block
        if duty == "balances":
            token = address_at(self.client, self.storage, "rocketTokenRETH", block)
            return balances_reference(self.client, token, self.balance_source, block)
        if duty == "prices":
            price = self.price_source.rpl_price_at(block) if self.price_source else None
            return Reference({"rpl_price": price}, getattr(self.price_source, "name", "none"))
        if duty == "rewards":
            return rewards_reference(self.network, int(sim_round.key), consensus_values)
        return Reference({}, "no reference for this duty")

    def compute(self, rounds) -> dict[str, int]:
        """Verdicts for these rounds, in chain order; {outcome: count}.

        Each duty's first round is compared with the consensus reached before it (outside
        `rounds` too), so a verdict is the same whichever subset of rounds it was computed in.
        """
        stats: dict[str, int] = {}
        previous: dict[str, dict | None] = {}
        for sim_round in rounds.select_related("consensus").order_by("key_block", "id"):
            if sim_round.duty not in previous:
                previous[sim_round.duty] = self._consensus_before(sim_round)
            verdict = self.compute_round(sim_round, previous[sim_round.duty])
            stats[verdict.outcome] = stats.get(verdict.outcome, 0) + 1
            consensus = getattr(sim_round, "consensus", None)
            if consensus and consensus.status == Consensus.Status.REACHED:
                previous[sim_round.duty] = consensus.values
        return stats

    def _consensus_before(self, sim_round: Round) -> dict | None:
        """The values of the last consensus reached in an earlier round of the same duty."""
        if sim_round.key_block is None:
            return None
        earlier = Q(round__key_block__lt=sim_round.key_block) | Q(
            round__key_block=sim_round.key_block, round__id__lt=sim_round.id
        )
        return (
            Consensus.objects.filter(earlier, round__network=self.network,
                                     round__duty=sim_round.duty,
                                     status=Consensus.Status.REACHED)
            .order_by("-round__key_block", "-round__id")
            .values_list("values", flat=True)
            .first()
        )  # fmt: skip

    @transaction.atomic
    def compute_round(self, sim_round: Round, previous_values: dict | None) -> Verdict:
        consensus = getattr(sim_round, "consensus", None)
        reached = consensus is not None and consensus.status == Consensus.Status.REACHED
        consensus_values = consensus.values if reached else None
        reference = self.reference(sim_round, consensus_values)
        checks = list(reference.checks)
        if reached and sim_round.duty == "balances":
            change_limit = settings.TOWERWATCH_BALANCE_CHANGE_LIMIT
            checks += bounds_checks(consensus_values, previous_values, change_limit)
        known = {k: str(v).lower() for k, v in reference.values.items() if v is not None}
        verdict, _ = Verdict.objects.update_or_create(round=sim_round, defaults={
            "reference_values": {k: str(v) for k, v in reference.values.items() if v is not None},
            "unchecked": reference.unchecked,
            "consensus_values": consensus_values, "source": reference.source[:200],
            "checks": [vars(c) for c in checks],
            "outcome": _outcome(sim_round.duty, known, consensus_values, checks),
        })  # fmt: skip
        verdict.disagreements.all().delete()
        Disagreement.objects.bulk_create(self._disagreements(verdict, sim_round, known))
        state.bump(state.REFERENCE)
        return verdict

    def _disagreements(self, verdict: Verdict, sim_round: Round, known: dict[str, str]):
        for submission in Submission.objects.filter(round=sim_round).select_related("member"):
            submitted = compared_fields(sim_round.duty, submission.values)
            for field, reference in known.items():
                value = submitted.get(field, "").lower()
                if value and value != reference:
                    yield self._disagreement(verdict, submission, field, value, reference)

    def _disagreement(self, verdict, submission: Submission, field: str, value: str,
                      reference: str) -> Disagreement:  # fmt: skip
        member, at = submission.member, submission.block_time
        numeric = value.isdigit() and reference.isdigit()
        difference = str(int(value) - int(reference)) if numeric else "differs"
        ppm = (int(value) - int(reference)) * 1_000_000 // int(reference) if numeric and int(
            reference) else None  # fmt: skip
        return Disagreement(
            verdict=verdict, submission=submission, member=member, field=field,
            watchtower=self.implementation_of(member.address, "watchtower", at),
            treegen=self.implementation_of(member.address, "treegen", at),
            submitted=value[:100], reference=reference[:100], difference=difference[:100],
            relative_ppm=ppm,
        )  # fmt: skip


def _outcome(duty: str, known: dict[str, str], consensus_values: dict | None, checks) -> str:
    """Agrees only when every compared field was checked and equal; a field that differs makes
    it disagree even if another is unchecked; otherwise a partial reference is unchecked."""
    if not known:
        return Verdict.Outcome.UNCHECKED
    if consensus_values is None:
        return Verdict.Outcome.NO_CONSENSUS
    agreed = compared_fields(duty, consensus_values)
    same = all(agreed.get(field, "").lower() == value for field, value in known.items())
    if not same or not all(check.passed for check in checks):
        return Verdict.Outcome.DISAGREES
    if set(agreed) - set(known):
        return Verdict.Outcome.UNCHECKED
    return Verdict.Outcome.AGREES
