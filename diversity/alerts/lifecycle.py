"""From conditions to alerts: open once, update while it lasts, resolve when it clears.

Each evaluation compares the conditions the rules found with the open alerts:
- a condition with an open alert (same network and key) updates it: identical conditions are
  one alert, however often they are found; a changed text is recorded as an `updated` event,
  which notifies no one;
- a new condition opens an alert, unless it is flapping: an alert with the same key that
  resolved less than ALERTS_FLAP_WINDOW_SECONDS ago re-opens only after the condition has held
  for ALERTS_FLAP_EVALUATIONS evaluations in a row (counted in ConditionStreak);
- an open alert whose rule judged and did not find it resolves, and the channels that heard
  it open hear that it resolved. A rule that could not judge (None) leaves its alerts alone.
Opening and resolving are events; their deliveries are written in the same transaction.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from diversity.alerts.delivery import dispatch_on_commit, queue_deliveries
from diversity.alerts.rules import evaluate_rules
from diversity.alerts.situation import Condition, Situation, moment
from diversity.models.alerts import Alert, AlertEvent, ConditionStreak, Severity
from votes import state


def evaluate(
    situation: Situation, rules: dict[str, dict] | None = None, dispatch: bool = True
) -> list[AlertEvent]:
    """Run the rules on `situation` and apply what they found; the events that notify."""
    conditions, judged = evaluate_rules(situation, rules)
    return apply_conditions(situation.network, conditions, judged, situation.now, dispatch)


@transaction.atomic
def apply_conditions(
    network: str,
    conditions: list[Condition],
    judged: set[str],
    now: datetime,
    dispatch: bool = True,
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
            _update(alert, condition, now)
        elif _held_long_enough(network, condition, now):
            events.append(_open(network, condition, now))
    gone = [alert for key, alert in open_alerts.items() if key not in found]
    for alert in sorted(gone, key=lambda a: -Severity.rank(a.severity)):
        events.append(_resolve(alert, now))
    ConditionStreak.objects.filter(network=network, rule__in=judged).exclude(
        key__in=list(found)
    ).delete()
    deliveries = [delivery for event in events for delivery in queue_deliveries(event)]
    if found or open_alerts:
        state.bump(state.ALERTS)
    if dispatch:
        dispatch_on_commit(deliveries)
    return events


def _deduplicated(conditions: list[Condition]) -> dict[str, Condition]:
    """One condition per key; if two rules report one key, the more severe wins."""
    found: dict[str, Condition] = {}
    for condition in conditions:
        known = found.get(condition.key)
        if known is None or Severity.rank(condition.severity) > Severity.rank(known.severity):
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


def _event(alert: Alert, kind: str, now: datetime, message: str | None = None) -> AlertEvent:
    return AlertEvent.objects.create(
        alert=alert,
        kind=kind,
        at=now,
        severity=alert.severity,
        title=alert.title,
        message=message if message is not None else alert.message,
        details=alert.details,
    )


def _open(network: str, condition: Condition, now: datetime) -> AlertEvent:
    alert = Alert.objects.create(
        network=network,
        rule=condition.rule,
        key=condition.key,
        severity=condition.severity,
        title=condition.title[:300],
        message=condition.message,
        details=condition.details,
        opened_at=now,
        last_seen_at=now,
    )
    return _event(alert, AlertEvent.Kind.OPENED, now)


def _update(alert: Alert, condition: Condition, now: datetime) -> None:
    changed = (alert.title, alert.message) != (condition.title[:300], condition.message)
    alert.title, alert.message = condition.title[:300], condition.message
    alert.details, alert.last_seen_at = condition.details, now
    alert.evaluations += 1
    alert.save(update_fields=["title", "message", "details", "last_seen_at", "evaluations"])
    if changed:
        _event(alert, AlertEvent.Kind.UPDATED, now)


def _resolve(alert: Alert, now: datetime) -> AlertEvent:
    alert.status, alert.resolved_at = Alert.Status.RESOLVED, now
    alert.save(update_fields=["status", "resolved_at"])
    message = (
        f"The condition no longer holds as of {moment(now)}. It had held since "
        f"{moment(alert.opened_at)} ({alert.evaluations} evaluations); last seen: {alert.message}"
    )
    return _event(alert, AlertEvent.Kind.RESOLVED, now, message)


def open_alerts(network: str) -> list[Alert]:
    """The open alerts, most severe first, then newest: what an overview lists."""
    alerts = Alert.objects.filter(network=network, status=Alert.Status.OPEN)
    return sorted(alerts, key=lambda a: (-Severity.rank(a.severity), -a.opened_at.timestamp()))
