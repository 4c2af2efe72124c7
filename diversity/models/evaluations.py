"""How sure the fingerprinting is: held-out evaluations against a simulation's ground truth.

An evaluation runs in a rolled-back transaction (it signs declarations with devnet keys), so
what it measured is kept here, after the rollback, for the model card page and the API.
"""

from django.db import models

__all__ = ["ModelEvaluation"]


class ModelEvaluation(models.Model):
    """One `fingerprint --evaluate`: per implementation and kind, TPR and PPV over held-out
    member-days, the confusion matrix and the calibration (`report`), and what it ran on."""

    network = models.CharField(max_length=32)
    evaluated_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateTimeField(help_text="the chain time the evaluated history reaches")
    source = models.JSONField(help_text="the simulation: seed, days, members, profiles files")
    declared_members = models.IntegerField(help_text="members that declared, the training set")
    report = models.JSONField()

    class Meta:
        ordering = ["-evaluated_at", "-id"]

    @property
    def kind_figures(self) -> list[dict]:
        """The figures of each kind, with the kind in each (for pages and the API)."""
        return [{**figures, "kind": kind} for kind, figures in self.report["kinds"].items()]
