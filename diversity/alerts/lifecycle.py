"""From conditions to alerts: one alert per condition, moving along the ladder, resolving once.

Each evaluation compares the conditions the rules found with the open alerts:
- a condition with an open alert (same network and key) updates it. A new severity, or a
  possible level becoming certain (or back), is an `escalated` or `deescalated` event; a changed
  text alone is an `updated` event, which notifies no one;
- a new condition opens an alert, unless it is flapping: an alert with the same key that
  resolved less than ALERTS_FLAP_WINDOW_SECONDS ago re-opens only after the condition has held
  for ALERTS_FLAP_EVALUATIONS evaluations in a row (counted in ConditionStreak);
- an open alert whose rule judged and did not find it resolves. A rule that could not judge
  (None) leaves its alerts alone.
The events of one evaluation go to the outbox in the same transaction, grouped per channel
(outbox.py); `queue`, if given, is called with the new deliveries' ids once it commits.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from diversity.alerts.models import Alert, AlertEvent, Certainty, ConditionStreak, Severity
from diversity.alerts.outbox import queue_on_commit, write_notifications
from diversity.alerts.rules import evaluate_rules
from diversity.alerts.situation import Condition, Situation, moment
from votes import state

Queue = Callable[[list[int]], object]


def evaluate(
    situation: Situation, rules: dict[str, dict] | None = None, queue: Queue | None = None
) -> list[AlertEvent]:
    """Run the rules on `situation` and apply what they found; the events that notify."""
    conditions, judged = evaluate_rules(situation, rules)
    return apply_conditions(situation.network, conditions, judged, situation.now, queue)


@transaction.atomic
def apply_conditions(
    network: str,
    conditions: list[Condition],
    judged: set[str],
    now: datetime,
    queue: Queue | None = None,
) -> list[AlertEvent]:
    found = _deduplicated(conditions)
    open_alerts = {
        alert.key: alert
        for alert in Alert.objects.select_for_update().filter(
            network=network, status=Alert.Status.OPEN, rule__in=judged
        )
    }
    events = []
    for condition in sorted(found.values(), key=lambda c: Severity.rank(c.severity)):
        alert = open_alerts.get(condition.key)
        if alert is not None:
            events += _update(alert, condition, now)
        elif _held_long_enough(network, condition, now):
            events.append(_open(network, condition, now))
    gone = [alert for key, alert in open_alerts.items() if key not in found]
    for alert in sorted(gone, key=lambda a: (-Severity.rank(a.severity), a.opened_at, a.id)):
        events.append(_resolve(alert, now))
    ConditionStreak.objects.filter(network=network, rule__in=judged).exclude(
        key__in=list(found)
    ).delete()
    notifications = write_notifications(network, events, now)
    if found or open_alerts:
        state.bump(state.ALERTS)  # the alert pages and the overview show what changed
    if queue is not None:
        queue_on_commit(notifications.deliveries, queue)
    return events + notifications.reminders


def standing(severity: str, certainty: str) -> tuple[int, bool]:
    """How bad a level is: severity first, then certainty (a certain level above a possible
    one of the same severity)."""
    return Severity.rank(severity), certainty == Certainty.CERTAIN


def _deduplicated(conditions: list[Condition]) -> dict[str, Condition]:
    """One condition per key; if two rules report one key, the more severe wins."""
    found: dict[str, Condition] = {}
    for condition in conditions:
        known = found.get(condition.key)
        if known is None or standing(condition.severity, condition.certainty) > standing(
            known.severity, known.certainty
        ):
            found[condition.key] = condition
    return found


def _held_long_enough(network: str, condition: Condition, now: datetime) -> bool:
    streak, _ = ConditionStreak.objects.get_or_create(
        network=network,
        key=condition.key,
        defaults={"rule": condition.rule, "first_seen_at": now},
    )
    streak.evaluations += 1
    window = timedelta(seconds=settings.ALERTS_FLAP_WINDOW_SECONDS)
    flapping = Alert.objects.filter(
        network=network,
        key=condition.key,
        status=Alert.Status.RESOLVED,
        resolved_at__gt=now - window,
    ).exists()
    needed = settings.ALERTS_FLAP_EVALUATIONS if flapping else 1
    if streak.evaluations >= needed:
        streak.delete()
        return True
    streak.save(update_fields=["evaluations"])
    return False


def _open(network: str, condition: Condition, now: datetime) -> AlertEvent:
    alert = Alert.objects.create(
        network=network,
        rule=condition.rule,
        key=condition.key,
        severity=condition.severity,
        certainty=condition.certainty,
        title=condition.title[:300],
        message=condition.message,
        details=condition.details,
        opened_at=now,
        last_seen_at=now,
    )
    return alert.record_event(AlertEvent.Kind.OPENED, now)


def _update(alert: Alert, condition: Condition, now: datetime) -> list[AlertEvent]:
    """Bring the alert to the condition as found now: the notifying event, if any."""
    before = standing(alert.severity, alert.certainty)
    after = standing(condition.severity, condition.certainty)
    text_changed = (alert.title, alert.message) != (condition.title[:300], condition.message)
    previous = alert.severity
    alert.severity, alert.certainty = condition.severity, condition.certainty
    alert.title, alert.message = condition.title[:300], condition.message
    alert.details, alert.last_seen_at = condition.details, now
    alert.evaluations += 1
    alert.save()
    if after != before:
        kind = AlertEvent.Kind.ESCALATED if after > before else AlertEvent.Kind.DEESCALATED
        return [alert.record_event(kind, now, previous=previous)]
    if text_changed:
        alert.record_event(AlertEvent.Kind.UPDATED, now)
    return []


def _resolve(alert: Alert, now: datetime) -> AlertEvent:
    alert.status, alert.resolved_at = Alert.Status.RESOLVED, now
    alert.save(update_fields=["status", "resolved_at"])
    message = (
        f"The condition no longer holds as of {moment(now)}. It had held since "
        f"{moment(alert.opened_at)} ({alert.evaluations} evaluations); last seen: {alert.message}"
    )
    return alert.record_event(AlertEvent.Kind.RESOLVED, now, message)


def open_alerts(network: str) -> list[Alert]:
    """The open alerts, most severe first (certain before possible), then newest: what an
    overview lists."""
    alerts = Alert.objects.filter(network=network, status=Alert.Status.OPEN)
    return sorted(
        alerts,
        key=lambda a: (
            -Severity.rank(a.severity),
            a.certainty != Certainty.CERTAIN,
            -a.opened_at.timestamp(),
        ),
    )
