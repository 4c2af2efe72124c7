"""Alerts: the conditions towerwatch warns about, who hears of them, and every try to tell them.

The story in rows: a rule finds a condition; an `Alert` opens for it (one per condition and
subject, keyed by a stable `key`), moves up and down the severity ladder while it lasts, and
resolves once when it clears. Each change is an `AlertEvent`. The changes of one evaluation that
a channel should hear are one `Delivery` (one Discord message, one email), written in the same
transaction as the events (the outbox); each try to send it is a `DeliveryAttempt`.
`ConditionStreak` counts evaluations a condition has held without an open alert, which damps a
condition that flaps around a threshold. `RuleSetting` holds the thresholds an admin changed
(validated by the admin form and the API against the defaults in rules.py).
"""

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

from diversity.alerts.urlsafety import HostNotFound, UnsafeURL, check_url, mask_url

__all__ = [
    "Alert",
    "AlertEvent",
    "Certainty",
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
    """The ladder an alert moves along; info notifies no one unless a channel asks for it."""

    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"
    EMERGENCY = "emergency", "Emergency"

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value)

    @classmethod
    def below(cls, value: str) -> str:
        """One step down the ladder (info stays info)."""
        return cls.values[max(0, cls.rank(value) - 1)]


class Certainty(models.TextChoices):
    """Whether a condition is known, or only possible: raised by an upper bound that counts
    members of unknown software against it. A possible condition sits one level lower."""

    CERTAIN = "certain", "Certain"
    POSSIBLE = "possible", "Possible"


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


class Alert(models.Model):
    """One condition about one subject, from the evaluation that found it to the one that saw
    it clear; its severity and certainty are the current ones, the events hold the way there."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    network = models.CharField(max_length=32)
    rule = models.CharField(max_length=40, choices=Rule.choices)
    key = models.CharField(max_length=255, help_text="stable identity of the condition")
    severity = models.CharField(max_length=16, choices=Severity.choices)
    certainty = models.CharField(
        max_length=16, choices=Certainty.choices, default=Certainty.CERTAIN
    )
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

    @property
    def possible(self) -> bool:
        return self.certainty == Certainty.POSSIBLE

    def record_event(
        self, kind: str, at, message: str | None = None, previous: str = ""
    ) -> "AlertEvent":
        """An event of this alert as it stands now (its message, unless another is given)."""
        return AlertEvent.objects.create(
            alert=self,
            kind=kind,
            at=at,
            severity=self.severity,
            certainty=self.certainty,
            previous_severity=previous,
            title=self.title,
            message=message if message is not None else self.message,
            details=self.details,
        )


class AlertEvent(models.Model):
    """A change of an alert, with the text as it was then; notifications are about these.

    Opening, a move up or down the ladder (severity, then certainty: a possible level that
    becomes certain is an escalation) and resolving notify; a changed text alone (`updated`)
    does not. A reminder records that an alert still open was told again. A test notification
    is an event without an alert."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        ESCALATED = "escalated", "Escalated"
        DEESCALATED = "deescalated", "De-escalated"
        UPDATED = "updated", "Updated"
        REMINDER = "reminder", "Reminder"
        RESOLVED = "resolved", "Resolved"
        TEST = "test", "Test notification"

    NOTIFYING = (Kind.OPENED, Kind.ESCALATED, Kind.DEESCALATED, Kind.REMINDER, Kind.RESOLVED)
    QUIET = (Kind.DEESCALATED, Kind.RESOLVED)  # good news: sent without a ping

    alert = models.ForeignKey(Alert, null=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    severity = models.CharField(max_length=16, choices=Severity.choices)
    certainty = models.CharField(
        max_length=16, choices=Certainty.choices, default=Certainty.CERTAIN
    )
    previous_severity = models.CharField(
        max_length=16, choices=Severity.choices, blank=True, help_text="before an escalation"
    )
    title = models.CharField(max_length=300)
    message = models.TextField()
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    @property
    def possible(self) -> bool:
        return self.certainty == Certainty.POSSIBLE


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
    pages and the API only ever show `masked_target`. A channel hears the rules its
    subscriptions name, never below its own `min_severity`, and is reminded of an alert still
    open every `renotify_hours` (0: never)."""

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
    min_severity = models.CharField(
        max_length=16,
        choices=Severity.choices,
        default=Severity.WARNING,
        help_text="nothing below this reaches the channel, whatever its subscriptions say",
    )
    renotify_hours = models.PositiveIntegerField(
        default=24, help_text="remind of an alert still open after this many hours; 0: never"
    )
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
        return mask_url(self.target)

    def clean(self) -> None:
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
        """True if the channel hears an alert of `rule` at `severity`: at or above its own
        minimum, and covered by one of its subscriptions."""
        if Severity.rank(severity) < Severity.rank(self.min_severity):
            return False
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
    """One notification owed to one channel: the alert changes of one evaluation that it
    should hear, sent as one message. Written before anything is queued, so a broker outage
    delays it and never loses it. `claimed_until` is a lease held while sending. A `quiet`
    notification (only resolutions and de-escalations) is sent without a ping."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    events = models.ManyToManyField(AlertEvent, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    quiet = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"delivery {self.pk} to {self.channel_id}"


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
