"""Alert lifecycle: one alert per condition that moves along the ladder, resolves once,
deduplicates and damps flapping. Who hears what is tests/test_alert_outbox.py."""

from datetime import UTC, datetime, timedelta

import pytest

from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Alert, ConditionStreak, Rule
from diversity.alerts.situation import Condition

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)
SHARE = Rule.IMPLEMENTATION_SHARE
LAG = Rule.INDEXER_LAG


def condition(
    key="share:watchtower:smartnode",
    severity="warning",
    rule=SHARE,
    message="smartnode runs on 40.0%",
    certainty="certain",
) -> Condition:
    return Condition(rule, key, severity, f"title of {key}", message, {"n": 1}, certainty)


def evaluate(conditions, at, judged=(SHARE,)):
    return apply_conditions("devnet", list(conditions), set(judged), at)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_a_condition_opens_one_alert_however_often_it_is_found():
    opened = evaluate([condition(), condition()], minutes(0))
    assert [e.kind for e in opened] == ["opened"]
    for n in range(1, 4):
        assert evaluate([condition()], minutes(n)) == []
    alert = Alert.objects.get()
    assert alert.status == "open" and alert.evaluations == 4
    assert alert.last_seen_at == minutes(3) and alert.opened_at == minutes(0)


def test_a_changed_text_is_an_update_that_notifies_no_one():
    evaluate([condition()], minutes(0))
    assert evaluate([condition(message="smartnode runs on 46.7%")], minutes(1)) == []
    alert = Alert.objects.get()
    assert alert.message == "smartnode runs on 46.7%"
    assert [e.kind for e in alert.events.all()] == ["opened", "updated"]


def test_resolves_when_the_rule_no_longer_finds_it():
    evaluate([condition()], minutes(0))
    (resolved,) = evaluate([], minutes(5))
    assert resolved.kind == "resolved"
    alert = Alert.objects.get()
    assert alert.status == "resolved" and alert.resolved_at == minutes(5)
    assert "no longer holds" in resolved.message


def test_a_rule_that_cannot_judge_leaves_its_alerts_open():
    evaluate([condition(), condition("indexer_lag:devnet", rule=LAG)], minutes(0), {SHARE, LAG})
    assert evaluate([], minutes(1), judged={LAG}) != []  # the lag cleared...
    assert Alert.objects.get(rule=SHARE).status == "open"  # ...the shares were not looked at


def test_one_alert_moves_up_and_down_the_ladder_and_resolves_once():
    ladder = ["warning", "critical", "emergency", "warning"]
    changes = [evaluate([condition(severity=s)], minutes(n)) for n, s in enumerate(ladder)]
    changes.append(evaluate([], minutes(len(ladder))))
    assert [[(e.kind, e.severity, e.previous_severity) for e in c] for c in changes] == [
        [("opened", "warning", "")],
        [("escalated", "critical", "warning")],
        [("escalated", "emergency", "critical")],
        [("deescalated", "warning", "emergency")],
        [("resolved", "warning", "")],
    ]
    alert = Alert.objects.get()
    assert alert.status == "resolved" and alert.evaluations == 4
    assert [e.severity for e in alert.events.all()] == ladder + ["warning"]


def test_a_possible_level_that_becomes_certain_is_an_escalation():
    evaluate([condition(severity="critical", certainty="possible")], minutes(0))
    (event,) = evaluate([condition(severity="critical")], minutes(1))
    assert (event.kind, event.severity, event.certainty) == ("escalated", "critical", "certain")
    (event,) = evaluate([condition(severity="critical", certainty="possible")], minutes(2))
    assert (event.kind, event.certainty) == ("deescalated", "possible")
    assert Alert.objects.get().certainty == "possible"


def test_several_conditions_move_independently():
    a, b = "share:watchtower:smartnode", "share:treegen:treegen-rs"
    evaluate([condition(a), condition(b)], minutes(0))
    changes = evaluate([condition(a, "critical"), condition(b)], minutes(1))
    assert [(e.alert.key, e.kind) for e in changes] == [(a, "escalated")]
    assert Alert.objects.filter(status="open").count() == 2


def test_flapping_condition_is_damped(settings):
    settings.ALERTS_FLAP_WINDOW_SECONDS, settings.ALERTS_FLAP_EVALUATIONS = 3600, 3
    evaluate([condition()], minutes(0))
    evaluate([], minutes(1))
    assert evaluate([condition()], minutes(2)) == []
    assert evaluate([condition()], minutes(3)) == []
    (reopened,) = evaluate([condition()], minutes(4))
    assert reopened.kind == "opened"
    assert Alert.objects.count() == 2 and not ConditionStreak.objects.exists()


def test_a_break_in_the_streak_starts_the_count_again(settings):
    settings.ALERTS_FLAP_EVALUATIONS = 3
    evaluate([condition()], minutes(0))
    evaluate([], minutes(1))
    evaluate([condition()], minutes(2))
    evaluate([condition()], minutes(3))
    evaluate([], minutes(4))  # flaps back
    assert evaluate([condition()], minutes(5)) == []
    assert evaluate([condition()], minutes(6)) == []
    assert len(evaluate([condition()], minutes(7))) == 1


def test_after_the_flap_window_a_condition_opens_at_once(settings):
    settings.ALERTS_FLAP_WINDOW_SECONDS = 600
    evaluate([condition()], minutes(0))
    evaluate([], minutes(1))
    assert len(evaluate([condition()], minutes(30))) == 1


def test_one_open_alert_per_key_is_enforced_by_the_database():
    from django.db import IntegrityError, transaction

    evaluate([condition()], minutes(0))
    alert = Alert.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            network="devnet",
            rule=SHARE,
            key=alert.key,
            severity="warning",
            title="t",
            message="m",
            opened_at=minutes(1),
            last_seen_at=minutes(1),
        )


def test_open_alerts_most_severe_first():
    from diversity.alerts.lifecycle import open_alerts

    evaluate([condition("a", "warning"), condition("b", "emergency")], minutes(0))
    evaluate(
        [condition("a", "warning"), condition("b", "emergency"), condition("c", "warning")],
        minutes(1),
    )
    assert [a.key for a in open_alerts("devnet")] == ["b", "c", "a"]
    assert open_alerts("mainnet") == []
