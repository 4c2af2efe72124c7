"""Who runs what: implementations, the declarations members sign, and the assignments towerwatch
derives from declarations and on-chain behaviour.

Declarations are history (a member may switch), so shares at any time use the declaration in
force then. A declaration that fails verification is never a Declaration: it is logged as a
DeclarationRejection with the reason, and nothing it claimed is taken as fact.
"""

from django.db import models

from votes.models import Member

__all__ = [
    "Assignment",
    "Declaration",
    "DeclarationRejection",
    "Implementation",
    "Kind",
    "Release",
]


class Kind(models.TextChoices):
    WATCHTOWER = "watchtower", "Watchtower"
    TREEGEN = "treegen", "Rewards tree generator"


class Implementation(models.Model):
    """One codebase of a kind. Shares that matter for diversity are per codebase (its releases
    share its bugs); `version` is its default release (from the profiles or a declaration)."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=32, help_text="profiles file or declaration")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="uniq_implementation")]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class Release(models.Model):
    """One version of an implementation. `behaviour` is its profile (fee and gas rules, timing,
    duties) when the profiles describe it, empty when only a declaration named it: a release
    nobody described can still be recognised, by resembling the members who declared it."""

    implementation = models.ForeignKey(
        Implementation, on_delete=models.CASCADE, related_name="releases"
    )
    version = models.CharField(max_length=50)
    source = models.CharField(max_length=32, help_text="profiles file or declaration")
    behaviour = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["implementation", "version"], name="uniq_release")
        ]
        ordering = ["implementation", "version"]

    def __str__(self) -> str:
        return f"{self.implementation.name}@{self.version}"


class Declaration(models.Model):
    """A verified, signed statement by a member of the software it runs, from `declared_at` on."""

    network = models.CharField(max_length=32)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="declarations")
    watchtower = models.ForeignKey(Implementation, on_delete=models.PROTECT, related_name="+")
    watchtower_version = models.CharField(max_length=50, blank=True)
    treegen = models.ForeignKey(Implementation, on_delete=models.PROTECT, related_name="+")
    treegen_version = models.CharField(max_length=50, blank=True)
    declared_at = models.DateTimeField(help_text="the signed timestamp")
    nonce = models.BigIntegerField()
    message = models.TextField(help_text="the exact text that was signed")
    signature = models.CharField(max_length=132)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "nonce"], name="uniq_declaration_nonce")
        ]
        ordering = ["declared_at", "id"]
        indexes = [models.Index(fields=["network", "member", "declared_at"])]


class DeclarationRejection(models.Model):
    """A declaration that failed verification, kept for the record and never used as fact."""

    network = models.CharField(max_length=32)
    message = models.TextField()
    signature = models.CharField(max_length=200)
    reason = models.CharField(max_length=32)
    detail = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]


class Assignment(models.Model):
    """What towerwatch believes a member ran at `as_of`, for one kind, and how sure it is.

    `implementation` is the declared one when a declaration is in force, else the inferred one
    when it is known; None means unknown. The inferred label is kept even for declared members,
    so that a mismatch between words and behaviour stays visible. `release` likewise: the
    declared version, else the inferred one; None when the evidence does not tell (flagged
    `unrecognised_release` when the behaviour matches none of the implementation's releases).
    """

    class Source(models.TextChoices):
        DECLARED = "declared"
        INFERRED = "inferred"
        UNKNOWN = "unknown"

    class Flag(models.TextChoices):
        BEHAVES_LIKE_OTHER = "behaves_like_other", "Behaves like another implementation"
        SILENT_SWITCH = "silent_switch", "Behaviour changed between windows"
        UNKNOWN_IMPLEMENTATION = "unknown_implementation", "Matches no known implementation"
        UNRECOGNISED_RELEASE = "unrecognised_release", "Its implementation, in no known release"
        INSUFFICIENT_DATA = "insufficient_data", "Too few submissions in the window to infer"

    network = models.CharField(max_length=32)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    as_of = models.DateTimeField()
    window_days = models.FloatField()
    implementation = models.ForeignKey(
        Implementation, null=True, on_delete=models.PROTECT, related_name="assignments"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    confidence = models.FloatField(help_text="1 when declared; else the inferred probability")
    declaration = models.ForeignKey(Declaration, null=True, on_delete=models.SET_NULL)
    inferred = models.ForeignKey(
        Implementation, null=True, on_delete=models.PROTECT, related_name="+"
    )
    inferred_probability = models.FloatField(null=True)
    release = models.ForeignKey(
        Release, null=True, on_delete=models.PROTECT, related_name="assignments"
    )
    inferred_release = models.ForeignKey(
        Release, null=True, on_delete=models.PROTECT, related_name="+"
    )
    probabilities = models.JSONField(default=dict, help_text="{implementation name: p}")
    novelty = models.FloatField(null=True, help_text="distance to the nearest known / threshold")
    evidence = models.IntegerField(help_text="submissions the inference saw")
    features = models.JSONField(default=dict, help_text="the window's features, for the record")
    flags = models.JSONField(default=list)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "member", "kind", "as_of"], name="uniq_assignment"
            )
        ]
        ordering = ["-as_of", "kind", "member_id"]
        indexes = [models.Index(fields=["network", "kind", "as_of"])]
