"""Upgrade: open alerts of the old shape (one per share level) become one alert per condition,
with their whole history, and the first evaluation afterwards notifies no one."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from diversity.alerts.lifecycle import evaluate
from diversity.alerts.models import Alert, AlertEvent, Channel, ConditionStreak, Delivery, Rule
from diversity.alerts.rules import RULES
from diversity.alerts.situation import ShareEstimate, Situation

LADDER = ("diversity", "0006_alert_ladder")  # the first migration of the new shape
T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)
SMARTNODE = ShareEstimate("smartnode", "watchtower", 0.55, 0.55, 0.55)
TREEGEN_RS = ShareEstimate("treegen-rs", "treegen", 0.27, 0.13, 0.67)
LEVELS = {"warning": 0.40, "critical": 0.50, "emergency": 0.51}


def before_the_ladder() -> list[tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    return [parent.key for parent in graph.node_map[LADDER].parents]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


def old_shape_history(apps) -> dict:
    """What 0003's lifecycle left: a share alert per level, each opened and told to a channel,
    a resolved alert from before, and a damping streak."""
    names = ["Alert", "AlertEvent", "Channel", "Subscription", "Delivery", "ConditionStreak"]
    models = {name: apps.get_model("diversity", name) for name in names}
    channel = models["Channel"].objects.create(name="odao", kind="email", target="o@example.org")
    models["Subscription"].objects.create(channel=channel, min_severity="info")
    ids = {}
    for hour, (share, severity) in enumerate(
        [(s, level) for level in LEVELS for s in (SMARTNODE, TREEGEN_RS)]
    ):
        basis = "estimate" if share.estimate >= LEVELS[severity] else "upper bound"
        at = T0 + timedelta(hours=hour)
        key = f"share:{share.kind}:{share.implementation}:{severity}"
        details = {"implementation": share.implementation, "kind": share.kind, "basis": basis}
        alert = models["Alert"].objects.create(
            network="devnet", rule="implementation_share", key=key, severity=severity,
            title=f"{key} title", message=f"{key} message", details=details, opened_at=at,
            last_seen_at=T0 + timedelta(hours=6), evaluations=7 - hour,
        )  # fmt: skip
        event = models["AlertEvent"].objects.create(
            alert=alert, kind="opened", at=at, severity=severity, title=alert.title,
            message=alert.message, details=details,
        )  # fmt: skip
        models["Delivery"].objects.create(
            event=event, channel=channel, status="delivered", next_attempt_at=at
        )
        ids[key] = alert.id
    models["Alert"].objects.create(
        network="devnet", rule="implementation_share", key="share:watchtower:pywatch:warning",
        severity="warning", status="resolved", title="old", message="old", opened_at=T0,
        last_seen_at=T0, resolved_at=T0,
    )  # fmt: skip
    models["ConditionStreak"].objects.create(
        network="devnet", rule="implementation_share", key="share:watchtower:pywatch:warning",
        evaluations=2, first_seen_at=T0,
    )  # fmt: skip
    return ids


@pytest.mark.django_db(transaction=True)
def test_open_old_shape_alerts_become_one_alert_each_without_a_new_notification():
    try:
        ids = old_shape_history(migrate(before_the_ladder()))
    finally:
        migrate(None)

    open_alerts = {a.key: a for a in Alert.objects.filter(status="open")}
    assert set(open_alerts) == {"share:watchtower:smartnode", "share:treegen:treegen-rs"}
    smartnode, treegen = (
        open_alerts["share:watchtower:smartnode"],
        open_alerts["share:treegen:treegen-rs"],
    )
    assert smartnode.id == ids["share:watchtower:smartnode:warning"], "the first keeps its id"
    assert (smartnode.severity, smartnode.certainty) == ("emergency", "certain")
    assert (treegen.severity, treegen.certainty) == ("critical", "possible"), "one level lower"
    assert smartnode.opened_at == T0 and smartnode.evaluations == 7
    history = [(e.kind, e.severity, e.previous_severity) for e in smartnode.events.all()]
    assert history == [
        ("opened", "warning", ""),
        ("escalated", "critical", "warning"),
        ("escalated", "emergency", "critical"),
        ("updated", "emergency", ""),
    ]
    assert all(e.certainty == "possible" for e in treegen.events.exclude(kind="updated"))
    assert Delivery.objects.count() == 6
    assert all(d.events.count() == 1 and not d.quiet for d in Delivery.objects.all())
    assert Alert.objects.get(status="resolved").key == "share:watchtower:pywatch:warning"
    assert ConditionStreak.objects.get().key == "share:watchtower:pywatch"
    assert Channel.objects.get().min_severity == "info", "it hears what it heard"

    situation = Situation("devnet", T0 + timedelta(hours=7), shares=[SMARTNODE, TREEGEN_RS])
    rules = {Rule.IMPLEMENTATION_SHARE: RULES[Rule.IMPLEMENTATION_SHARE].defaults}
    assert evaluate(situation, rules) == [], "nothing changed, so nobody hears of it"
    assert Delivery.objects.count() == 6
    assert Alert.objects.filter(status="open").count() == 2
    assert AlertEvent.objects.filter(kind="opened").count() == 2, "the first of each condition"
