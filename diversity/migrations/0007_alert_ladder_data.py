"""Alerts of the old shape into the new one (0006): one alert per condition, grouped deliveries.

The data of 0006's schema change, so that an upgrade neither loses history nor notifies anyone
again:
- each delivery keeps the event it was about; resolutions were the quiet ones;
- a channel's minimum severity is the lowest of its subscriptions', so it hears what it heard;
- the open share alerts of the old shape, one per level (`share:<kind>:<name>:<severity>`), become
  one alert per implementation and kind (`share:<kind>:<name>`): the earliest keeps its id, the
  others' events move to it (a later opening reads as the escalation it was), and it takes the
  severity and certainty the new rule gives the same shares, so that the next evaluation finds
  nothing changed and sends nothing. An `updated` event (which notifies no one) records the
  merge. Damping streaks follow the keys. Resolved alerts are history and stay as they are.
"""

from collections import defaultdict

from django.db import migrations

LADDER = ["info", "warning", "critical", "emergency"]


def rank(severity: str) -> int:
    return LADDER.index(severity)


def below(severity: str) -> str:
    return LADDER[max(0, rank(severity) - 1)]


def old_share_key(key: str) -> str | None:
    """`share:<kind>:<name>` for an old per-level key, else None."""
    base, _, level = key.rpartition(":")
    if key.startswith("share:") and level in LADDER[1:] and base.count(":") >= 2:
        return base
    return None


def copy_delivery_events(apps, schema_editor):
    Delivery = apps.get_model("diversity", "Delivery")
    through = Delivery.events.through
    rows = list(Delivery.objects.exclude(event=None).values_list("id", "event_id", "event__kind"))
    through.objects.bulk_create(
        [through(delivery_id=delivery, alertevent_id=event) for delivery, event, _ in rows],
        batch_size=1000,
    )
    resolved = [delivery for delivery, _, kind in rows if kind == "resolved"]
    Delivery.objects.filter(id__in=resolved).update(quiet=True)


def copy_delivery_events_back(apps, schema_editor):
    Delivery = apps.get_model("diversity", "Delivery")
    for delivery in Delivery.objects.prefetch_related("events"):
        first = min(delivery.events.all(), key=lambda e: (e.at, e.id), default=None)
        if first is None:
            delivery.delete()
        else:
            delivery.event = first
            delivery.save(update_fields=["event"])


def channel_floors(apps, schema_editor):
    Channel = apps.get_model("diversity", "Channel")
    for channel in Channel.objects.prefetch_related("subscriptions"):
        levels = [sub.min_severity for sub in channel.subscriptions.all()]
        channel.min_severity = min(levels, key=rank) if levels else "warning"
        channel.save(update_fields=["min_severity"])


def merge_share_alerts(apps, schema_editor):
    Alert = apps.get_model("diversity", "Alert")
    groups = defaultdict(list)
    for alert in Alert.objects.filter(rule="implementation_share", status="open"):
        key = old_share_key(alert.key)
        if key is not None:
            groups[(alert.network, key)].append(alert)
    for key, alerts in groups.items():
        merge(apps, key[1], sorted(alerts, key=lambda a: (a.opened_at, a.id)))
    rekey_streaks(apps)


def merge(apps, key: str, alerts: list) -> None:
    AlertEvent = apps.get_model("diversity", "AlertEvent")
    survivor, worst = alerts[0], max(alerts, key=lambda a: rank(a.severity))
    known = [a.severity for a in alerts if (a.details or {}).get("basis") == "estimate"]
    known = max(known, key=rank) if known else None
    possible = below(worst.severity)
    if known is not None and rank(known) >= rank(possible):
        severity, certainty = known, "certain"
    else:
        severity, certainty = possible, "possible"
    AlertEvent.objects.filter(alert__in=alerts[1:]).update(alert=survivor)
    reached = None
    for event in AlertEvent.objects.filter(alert=survivor).order_by("at", "id"):
        if (event.details or {}).get("basis") == "upper bound":
            event.certainty = "possible"
        if event.kind == "opened" and reached is not None:
            event.kind, event.previous_severity = "escalated", reached
        if event.kind in ("opened", "escalated"):
            reached = max(reached or event.severity, event.severity, key=rank)
        event.save(update_fields=["kind", "previous_severity", "certainty"])
    merged = ", ".join(alert.key for alert in alerts)
    survivor.key, survivor.severity, survivor.certainty = key, severity, certainty
    survivor.title, survivor.message, survivor.details = worst.title, worst.message, worst.details
    survivor.opened_at = min(alert.opened_at for alert in alerts)
    survivor.last_seen_at = max(alert.last_seen_at for alert in alerts)
    survivor.evaluations = max(alert.evaluations for alert in alerts)
    survivor.save()
    AlertEvent.objects.create(
        alert=survivor,
        kind="updated",
        at=survivor.last_seen_at,
        severity=severity,
        certainty=certainty,
        title=survivor.title,
        message=f"Upgrade: the alerts of this condition at each level ({merged}) are now this "
        f"one alert, which moves along the ladder; it stands at {severity} ({certainty}).",
        details=survivor.details,
    )
    for alert in alerts[1:]:
        alert.delete()


def rekey_streaks(apps) -> None:
    ConditionStreak = apps.get_model("diversity", "ConditionStreak")
    kept = {}
    for streak in ConditionStreak.objects.filter(rule="implementation_share").order_by("id"):
        key = old_share_key(streak.key)
        if key is None:
            continue
        same = kept.get((streak.network, key))
        if same is None:
            streak.key = key
            streak.save(update_fields=["key"])
            kept[(streak.network, key)] = streak
        else:
            same.evaluations = max(same.evaluations, streak.evaluations)
            same.first_seen_at = min(same.first_seen_at, streak.first_seen_at)
            same.save(update_fields=["evaluations", "first_seen_at"])
            streak.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diversity", "0006_alert_ladder"),
    ]

    operations = [
        migrations.RunPython(copy_delivery_events, copy_delivery_events_back),
        migrations.RunPython(channel_floors, migrations.RunPython.noop),
        migrations.RunPython(merge_share_alerts, migrations.RunPython.noop),
    ]
