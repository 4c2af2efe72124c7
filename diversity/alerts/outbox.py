"""The outbox: which channels hear an evaluation's changes, one delivery per channel.

Written in the transaction that records the events, before anything touches the broker. A
channel hears, of one evaluation:
- an opening, escalation or de-escalation when it wants the alert's rule at the new severity
  (Channel.wants: at or above the channel's minimum, and covered by a subscription), or when the
  last it heard of the alert was at a severity it wanted: it learns, once, that the alert went
  below its minimum;
- a resolution when it heard anything of the alert;
- a reminder of an alert that did not change, when it wants it at its severity and last heard
  of it `renotify_hours` ago or more (or never: it subscribed after the alert opened). One
  `reminder` event per alert records that it was told again.
All of a channel's events of the evaluation are one Delivery: one Discord message, one email,
one webhook call. It is quiet (sent without a ping) when it holds only good news.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from diversity.alerts.models import Alert, AlertEvent, Channel, Delivery, Severity

CHANGES = (AlertEvent.Kind.OPENED, AlertEvent.Kind.ESCALATED, AlertEvent.Kind.DEESCALATED)


@dataclass
class Notifications:
    deliveries: list[Delivery] = field(default_factory=list)
    reminders: list[AlertEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Heard:
    """The latest event of an alert that a channel was sent."""

    at: datetime
    kind: str
    severity: str


def write_notifications(network: str, events: list[AlertEvent], now: datetime) -> Notifications:
    """The deliveries owed for `events` (and the reminders due) on `network`, one per channel."""
    channels = list(Channel.objects.filter(enabled=True).prefetch_related("subscriptions"))
    if not channels:
        return Notifications()
    changed = {event.alert_id for event in events}
    still_open = list(
        Alert.objects.filter(network=network, status=Alert.Status.OPEN).exclude(id__in=changed)
    )
    heard = last_heard(changed | {alert.id for alert in still_open}, channels)
    owed: dict[int, list[AlertEvent]] = {}
    for event in events:
        for channel in channels:
            if hears(channel, event, heard.get((event.alert_id, channel.id))):
                owed.setdefault(channel.id, []).append(event)
    reminders = _remind(still_open, channels, heard, now, owed)
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                channel_id=channel_id,
                quiet=all(event.kind in AlertEvent.QUIET for event in told),
                next_attempt_at=timezone.now(),
            )
            for channel_id, told in owed.items()
        ]
    )
    through = Delivery.events.through
    through.objects.bulk_create(
        [
            through(delivery_id=delivery.id, alertevent_id=event.id)
            for delivery, told in zip(deliveries, owed.values(), strict=True)
            for event in told
        ]
    )
    return Notifications(deliveries, reminders)


def last_heard(alert_ids: set[int], channels: list[Channel]) -> dict[tuple[int, int], Heard]:
    """(alert, channel) -> the latest event of the alert the channel was sent."""
    rows = (
        AlertEvent.objects.filter(alert_id__in=alert_ids, deliveries__channel__in=channels)
        .order_by("at", "id")
        .values_list("alert_id", "deliveries__channel_id", "at", "kind", "severity")
    )
    return {(alert, channel): Heard(at, kind, sev) for alert, channel, at, kind, sev in rows}


def hears(channel: Channel, event: AlertEvent, heard: Heard | None) -> bool:
    if event.kind == AlertEvent.Kind.RESOLVED:
        return heard is not None
    if event.kind not in CHANGES:
        return False
    rule = event.alert.rule
    if channel.wants(rule, event.severity):
        return True
    return (
        heard is not None
        and heard.kind != AlertEvent.Kind.RESOLVED
        and channel.wants(rule, heard.severity)
    )


def _remind(
    alerts: list[Alert],
    channels: list[Channel],
    heard: dict[tuple[int, int], Heard],
    now: datetime,
    owed: dict[int, list[AlertEvent]],
) -> list[AlertEvent]:
    reminders = []
    for alert in sorted(alerts, key=lambda a: (-Severity.rank(a.severity), a.id)):
        due = [channel for channel in channels if _reminder_due(channel, alert, heard, now)]
        if not due:
            continue
        reminder = alert.record_event(AlertEvent.Kind.REMINDER, now)
        reminders.append(reminder)
        for channel in due:
            owed.setdefault(channel.id, []).append(reminder)
    return reminders


def _reminder_due(
    channel: Channel, alert: Alert, heard: dict[tuple[int, int], Heard], now: datetime
) -> bool:
    if not channel.renotify_hours or not channel.wants(alert.rule, alert.severity):
        return False
    last = heard.get((alert.id, channel.id))
    return last is None or now - last.at >= timedelta(hours=channel.renotify_hours)


@transaction.atomic
def send_test(channel: Channel, queue: Callable[[list[int]], object] | None = None) -> Delivery:
    """A test notification to one channel, through the same outbox as real alerts."""
    event = AlertEvent.objects.create(
        kind=AlertEvent.Kind.TEST,
        at=timezone.now(),
        severity=Severity.INFO,
        title=f"Test notification for {channel.name}",
        message="If you can read this, towerwatch can reach this channel.",
    )
    delivery = Delivery.objects.create(channel=channel, next_attempt_at=event.at)
    delivery.events.add(event)
    if queue is not None:
        queue_on_commit([delivery], queue)
    return delivery


def queue_on_commit(deliveries: list[Delivery], queue: Callable[[list[int]], object]) -> None:
    """Hand the deliveries to `queue` (the Celery adapter) once their rows are committed."""
    ids = [delivery.id for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: queue(ids))
