"""Who hears what: one delivery per channel per evaluation, minimum severities, reminders,
quiet good news."""

from datetime import UTC, datetime, timedelta

import pytest

from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import AlertEvent, Channel, Delivery, Rule, Subscription
from diversity.alerts.situation import Condition

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)
SHARE, LAG = Rule.IMPLEMENTATION_SHARE, Rule.INDEXER_LAG
SMARTNODE, TREEGEN_RS = "share:watchtower:smartnode", "share:treegen:treegen-rs"


def share(key=SMARTNODE, severity="warning", certainty="certain") -> Condition:
    return Condition(SHARE, key, severity, f"{key} at {severity}", "text", {}, certainty)


def evaluate(conditions, at: datetime, judged=(SHARE,)) -> list[AlertEvent]:
    return apply_conditions("devnet", list(conditions), set(judged), at, queue=None)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def channel(name, min_severity="warning", renotify_hours=24, **subscription) -> Channel:
    created = Channel.objects.create(
        name=name,
        kind=Channel.Kind.EMAIL,
        target=f"{name}@example.org",
        min_severity=min_severity,
        renotify_hours=renotify_hours,
    )
    Subscription.objects.create(channel=created, **subscription)
    return created


def told(to: Channel) -> list[list[tuple[str, str]]]:
    """Per delivery to the channel, oldest first: (kind, severity) of each event in it."""
    return [
        [(e.kind, e.severity) for e in d.events.order_by("id")]
        for d in Delivery.objects.filter(channel=to).order_by("id")
    ]


def test_changes_of_one_evaluation_are_one_delivery_per_channel():
    ops, mail = channel("ops"), channel("mail")
    evaluate([share(SMARTNODE, "critical"), share(TREEGEN_RS, "warning")], hours(0))
    assert Delivery.objects.count() == 2
    for each in (ops, mail):
        assert told(each) == [[("opened", "warning"), ("opened", "critical")]]


def test_every_change_of_one_alert_is_told_once():
    ops = channel("ops")
    for n, severity in enumerate(["warning", "critical", "critical", "emergency", "warning"]):
        evaluate([share(severity=severity)], hours(n))
    evaluate([], hours(5))
    assert told(ops) == [
        [("opened", "warning")],
        [("escalated", "critical")],
        [("escalated", "emergency")],
        [("deescalated", "warning")],
        [("resolved", "warning")],
    ]
    quiet = list(Delivery.objects.order_by("id").values_list("quiet", flat=True))
    assert quiet == [False, False, False, True, True], "good news is quiet"


def test_a_channel_hears_nothing_below_its_minimum_severity():
    pager = channel("pager", min_severity="critical")
    evaluate([share(severity="warning")], hours(0))
    evaluate([share(severity="critical")], hours(1))
    evaluate([share(severity="emergency")], hours(2))
    assert told(pager) == [[("escalated", "critical")], [("escalated", "emergency")]]


def test_dropping_below_the_minimum_is_told_once_and_the_resolution_too():
    pager = channel("pager", min_severity="critical")
    evaluate([share(severity="critical")], hours(0))
    evaluate([share(severity="warning")], hours(1))  # below the pager's minimum: told, once
    evaluate([share(severity="warning", certainty="possible")], hours(2))  # not told
    evaluate([], hours(3))
    assert told(pager) == [
        [("opened", "critical")],
        [("deescalated", "warning")],
        [("resolved", "warning")],
    ]


def test_subscriptions_still_choose_rules_and_may_ask_for_more():
    lag_only = channel("ops", rule=LAG)
    strict = channel("strict", min_severity="warning", rule=SHARE)
    Subscription.objects.filter(channel=strict).update(min_severity="emergency")
    evaluate([share(severity="critical")], hours(0))
    assert told(lag_only) == [] and told(strict) == []
    evaluate([share(severity="emergency")], hours(1))
    assert told(strict) == [[("escalated", "emergency")]]


def test_an_open_alert_is_told_again_after_the_renotify_interval():
    daily, hourly, never = (
        channel("daily"),
        channel("hourly", renotify_hours=1),
        channel("never", renotify_hours=0),
    )
    evaluate([share()], hours(0))
    assert [e.kind for e in evaluate([share()], hours(0.5))] == []
    (reminder,) = evaluate([share()], hours(1))
    assert reminder.kind == "reminder"
    evaluate([share()], hours(23))
    evaluate([share()], hours(24))
    assert told(daily) == [[("opened", "warning")], [("reminder", "warning")]]
    assert len(told(hourly)) == 1 + 3  # at 1, 23 and 24 hours
    assert told(never) == [[("opened", "warning")]]


def test_a_change_is_no_reminder_and_restarts_the_interval():
    ops = channel("ops")
    evaluate([share()], hours(0))
    evaluate([share(severity="critical")], hours(24))
    evaluate([share(severity="critical")], hours(30))
    assert told(ops) == [[("opened", "warning")], [("escalated", "critical")]]


def test_a_channel_that_subscribed_later_is_reminded_of_what_is_open():
    evaluate([share(severity="critical")], hours(0))
    late = channel("late")
    evaluate([share(severity="critical")], hours(1))
    assert told(late) == [[("reminder", "critical")]]


def test_a_resolution_goes_to_the_channels_that_heard_the_alert():
    pager = channel("pager", min_severity="critical")
    everything = channel("everything")
    evaluate([share()], hours(0))
    channel("late", renotify_hours=0)  # subscribed after the alert opened, never reminded
    evaluate([], hours(1))
    resolved = AlertEvent.objects.get(kind="resolved")
    assert list(resolved.deliveries.values_list("channel__name", flat=True)) == ["everything"]
    assert not Delivery.objects.filter(channel=pager).exists()
    assert told(everything) == [[("opened", "warning")], [("resolved", "warning")]]


def test_disabled_channels_hear_nothing():
    muted = channel("muted")
    muted.enabled = False
    muted.save()
    evaluate([share()], hours(0))
    assert not Delivery.objects.exists()
