"""Reference verdicts: what towerwatch computed independently for a round, and who disagreed."""

from django.db import models

from votes.models import Member, Round, Submission


class Verdict(models.Model):
    """The reference check of one round: the value we computed, and how consensus compares."""

    class Outcome(models.TextChoices):
        AGREES = "agrees", "Consensus equals the reference"
        DISAGREES = "disagrees", "Consensus differs from the reference"
        NO_CONSENSUS = "no_consensus", "No consensus to compare yet"
        UNCHECKED = "unchecked", "No reference could be computed"

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="verdict")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reference_values = models.JSONField(null=True)
    consensus_values = models.JSONField(null=True)
    checks = models.JSONField(default=list, help_text="[{name, passed, message}]")
    source = models.CharField(max_length=200, help_text="where the reference came from")
    unchecked = models.JSONField(default=dict, help_text="{field: why it has no reference}")
    computed_at = models.DateTimeField(auto_now=True)


class Disagreement(models.Model):
    """One submission that differs from the reference: who, with what software, by how much."""

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="disagreements")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="disagreements")
    watchtower = models.CharField(max_length=100, blank=True)
    treegen = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=64)
    submitted = models.CharField(max_length=100)
    reference = models.CharField(max_length=100)
    difference = models.CharField(max_length=100, help_text="submitted - reference")
    relative_ppm = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["verdict", "submission", "field"], name="uniq_dissent")
        ]
