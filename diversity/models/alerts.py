"""Alerts: the conditions towerwatch warns about, who hears of them, and every try to tell them.

The story in rows: a rule finds a condition; an `Alert` opens for it (one per condition, keyed
by a stable `key`), is updated while it lasts and resolves when it clears. Each state change is
an `AlertEvent`; each (event, channel) pair to notify is a `Delivery`, written in the same
transaction as the event (the outbox), and each try to send it is a `DeliveryAttempt`.
`ConditionStreak` counts evaluations a condition has held without an open alert, which damps a
condition that flaps around a threshold. `RuleSetting` holds the thresholds an admin changed.
"""

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

__all__ = [
    "Alert",
    "AlertEvent",
    "Channel",
    "ConditionStreak",
    "Delivery",
    "DeliveryAttempt",
    "Rule",
    "RuleSetting",
    "Severity",
    "Subscription",
]


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"
    EMERGENCY = "emergency", "Emergency"

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value)


class Rule(models.TextChoices):
    IMPLEMENTATION_SHARE = "implementation_share", "An implementation's share of the vote"
    MEMBER_DISAGREES = "member_disagrees", "A member disagrees with consensus"
    IMPLEMENTATION_DISAGREES = (
        "implementation_disagrees",
        "Every member of an implementation disagrees with consensus",
    )
    CONSENSUS_WRONG = "consensus_wrong", "Consensus disagrees with the reference"
    CONSENSUS_LATE = "consensus_late", "A round has not reached consensus in time"
    MISSED_ROUNDS = "missed_rounds", "A member missed rounds in a row"
    INDEXER_LAG = "indexer_lag", "The indexer is behind the chain head"
    NODE_UNREACHABLE = "node_unreachable", "The node does not answer"


class RuleSetting(models.Model):
    """An admin's overrides of one rule: on/off and thresholds (the defaults live in rules.py)."""

    rule = models.CharField(max_length=40, choices=Rule.choices, unique=True)
    enabled = models.BooleanField(default=True)
    params = models.JSONField(default=dict, blank=True, help_text="overrides of the defaults")

    class Meta:
        ordering = ["rule"]

    def __str__(self) -> str:
        return self.get_rule_display()

    def clean(self) -> None:
        from diversity.alerts.rules import check_params

        try:
            check_params(self.rule, self.params or {})
        except ValueError as error:
            raise ValidationError({"params": str(error)}) from error


class Alert(models.Model):
    """One condition, from the evaluation that found it to the one that saw it clear."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    network = models.CharField(max_length=32)
    rule = models.CharField(max_length=40, choices=Rule.choices)
    key = models.CharField(max_length=255, help_text="stable identity of the condition")
    severity = models.CharField(max_length=16, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(max_length=300)
    message = models.TextField()
    details = models.JSONField(default=dict)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    evaluations = models.IntegerField(default=1, help_text="evaluations the condition held")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "key"], condition=Q(status="open"), name="uniq_open_alert"
            )
        ]
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["network", "status", "severity"])]

    def __str__(self) -> str:
        return f"{self.severity}: {self.title}"


class AlertEvent(models.Model):
    """A state change of an alert, with the text as it was then; notifications are about these.

    A test notification is an event without an alert."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        UPDATED = "updated", "Updated"
        RESOLVED = "resolved", "Resolved"
        TEST = "test", "Test notification"

    alert = models.ForeignKey(Alert, null=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    severity = models.CharField(max_length=16, choices=Severity.choices)
    title = models.CharField(max_length=300)
    message = models.TextField()
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class ConditionStreak(models.Model):
    """Consecutive evaluations a condition has held while it has no open alert (damping)."""

    network = models.CharField(max_length=32)
    rule = models.CharField(max_length=40, choices=Rule.choices)
    key = models.CharField(max_length=255)
    evaluations = models.IntegerField(default=0)
    first_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "key"], name="uniq_condition_streak")
        ]


class Channel(models.Model):
    """Where notifications go. `target` is email addresses, or a webhook URL, which is a secret:
    pages and the API only ever show `masked_target`."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        DISCORD = "discord", "Discord webhook"
        WEBHOOK = "webhook", "JSON webhook (HMAC-SHA256 signed)"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    target = models.TextField(help_text="comma-separated addresses, or the webhook URL")
    secret = models.CharField(
        max_length=128, blank=True, help_text="HMAC-SHA256 key of a JSON webhook"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_webhook(self) -> bool:
        return self.kind in (self.Kind.DISCORD, self.Kind.WEBHOOK)

    @property
    def emails(self) -> list[str]:
        return [address.strip() for address in self.target.split(",") if address.strip()]

    @property
    def masked_target(self) -> str:
        if not self.is_webhook:
            return ", ".join(self.emails)
        from diversity.alerts.urlsafety import mask_url

        return mask_url(self.target)

    def clean(self) -> None:
        from diversity.alerts.urlsafety import HostNotFound, UnsafeURL, check_url

        if self.is_webhook:
            try:
                check_url(self.target)
            except (UnsafeURL, HostNotFound) as error:
                raise ValidationError({"target": str(error)}) from error
            return
        if not self.emails:
            raise ValidationError({"target": "give at least one email address"})
        for address in self.emails:
            try:
                validate_email(address)
            except ValidationError as error:
                raise ValidationError({"target": f"not an email address: {address}"}) from error

    def save(self, *args, **kwargs):
        if self.kind == self.Kind.WEBHOOK and not self.secret:
            self.secret = secrets.token_hex(32)
        super().save(*args, **kwargs)

    def wants(self, rule: str, severity: str) -> bool:
        """True if a subscription of this channel covers an alert of `rule` at `severity`."""
        return any(sub.covers(rule, severity) for sub in self.subscriptions.all())


class Subscription(models.Model):
    """A channel hears alerts of one rule (or every rule) at or above a severity."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="subscriptions")
    rule = models.CharField(max_length=40, choices=Rule.choices, blank=True, help_text="blank: all")
    min_severity = models.CharField(
        max_length=16, choices=Severity.choices, default=Severity.WARNING
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "rule"], name="uniq_subscription")
        ]

    def __str__(self) -> str:
        return f"{self.rule or 'every rule'} from {self.min_severity}"

    def covers(self, rule: str, severity: str) -> bool:
        if self.rule and self.rule != rule:
            return False
        return Severity.rank(severity) >= Severity.rank(self.min_severity)


class Delivery(models.Model):
    """One notification owed to one channel: written before anything is queued, so a broker
    outage delays it and never loses it. `claimed_until` is a lease held while sending."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="uniq_delivery")]
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class DeliveryAttempt(models.Model):
    """One try to send a delivery: what came back, or what went wrong."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        RETRY = "retry", "Failed, will retry"
        FAILED = "failed", "Failed for good"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    number = models.IntegerField()
    at = models.DateTimeField()
    duration_ms = models.IntegerField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    response_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    retry_after = models.FloatField(null=True, blank=True, help_text="seconds the server asked")

    class Meta:
        ordering = ["delivery", "number"]
