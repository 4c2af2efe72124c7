"""The model card: how sure the shares are, from the latest evaluation and the current model.

Two facts that age separately, and both are shown with their dates. The model is retrained on
every fingerprint refresh from the members declared then: when, and on how many, comes from the
latest assignments. Its figures (TPR and PPV per implementation, the confusion, the calibration)
come from the latest `fingerprint --evaluate`, a held-out run against a simulation's ground
truth; when the model was retrained on a different set of declarations since, they may be stale,
and the card says so.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max

from diversity.fingerprint.assignments import KINDS
from diversity.models import Assignment, ModelEvaluation


@dataclass(frozen=True)
class Training:
    """The model as the latest refresh trained it."""

    retrained_at: datetime | None  # wall time of the refresh
    as_of: datetime | None  # the chain time it reached
    declared_members: dict[str, int] = field(default_factory=dict)  # per kind


@dataclass(frozen=True)
class ModelCard:
    network: str
    training: Training
    evaluation: ModelEvaluation | None

    @property
    def stale(self) -> bool:
        """Evaluated on another number of declared members than the model now trains on, or
        before a retraining that changed what the model knows."""
        if self.evaluation is None or self.training.retrained_at is None:
            return False
        now = max(self.training.declared_members.values(), default=0)
        return now != self.evaluation.declared_members


def training(network: str) -> Training:
    rows = Assignment.objects.filter(network=network)
    latest = rows.aggregate(as_of=Max("as_of"), retrained_at=Max("computed_at"))
    if latest["as_of"] is None:
        return Training(None, None, {kind: 0 for kind in KINDS})
    declared = dict(
        rows.filter(as_of=latest["as_of"], source=Assignment.Source.DECLARED)
        .values_list("kind")
        .annotate(Count("id"))
    )
    counts = {kind: declared.get(kind, 0) for kind in KINDS}
    return Training(latest["retrained_at"], latest["as_of"], counts)


def model_card(network: str) -> ModelCard:
    """The card for the dashboard's network; the evaluation is the latest of any network (on
    mainnet there is no ground truth: the figures come from a devnet simulation, and say so)."""
    return ModelCard(network, training(network), ModelEvaluation.objects.first())
