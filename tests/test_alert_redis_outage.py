"""Alerts queued while Redis is down are delivered, exactly once, when it is back.

The shared Redis is never stopped: this process's Celery app publishes to a port where nothing
listens while the alert is raised (reliability/celery_broker.py), then to Redis database 15,
where a real worker (reliability/celery_worker.py) listens on a queue of its own and delivers to
the fake Discord.

Nothing here bets on the machine's speed. Whether the row is due for redispatch is judged at
clock values taken from the row itself, not at "now" (which drifts towards the redispatch delay
on a loaded machine), and the worker is awaited for as long as it is alive: a fixed 60 s for
start-up and deliveries together made this test fail when the machine was busy.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from diversity.alerts.delivery import overdue
from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Channel, Delivery, DeliveryAttempt, Rule, Subscription
from diversity.alerts.situation import Condition
from diversity.alerts.tasks import dispatch
from reliability.celery_broker import publishing_to
from reliability.celery_worker import Worker, running_worker
from reliability.fake_discord import FakeDiscord
from reliability.processes import subprocess_env

REDIS_UP = "redis://127.0.0.1:6379/15"
REDIS_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
SEND_DELIVERY = "diversity.alerts.send_delivery"
CONDITION = Condition(
    Rule.CONSENSUS_LATE,
    "consensus_late:balances:123",
    "critical",
    "No consensus on balances after 90 minutes",
    "balances round 123 has 4 votes.",
)


@pytest.fixture
def queue(settings):
    name = f"towerwatch-alerts-test-{uuid.uuid4().hex}"
    settings.ALERTS_CELERY_QUEUE = name
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    return name


def finished_deliveries(worker: Worker, count: int) -> list[str]:
    """What the first `count` send_delivery tasks returned, once the worker has run them."""

    def finished() -> list[str] | None:
        results = worker.results(SEND_DELIVERY)
        return results if len(results) >= count else None

    return worker.wait_for(finished, f"finished {count} deliveries")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the worker must see the committed rows
def test_alert_raised_while_redis_is_down_is_delivered_once_when_it_is_back(
    queue, tmp_path, settings
):
    with FakeDiscord(script=[429, 204], retry_after=0.2) as discord:
        channel = Channel.objects.create(name="odao", kind=Channel.Kind.DISCORD, target=discord.url)
        Subscription.objects.create(channel=channel)

        with publishing_to(REDIS_DOWN):
            (event,) = apply_conditions(
                "devnet", [CONDITION], {CONDITION.rule}, timezone.now(), queue=dispatch
            )
        delivery = Delivery.objects.get(events=event)
        assert delivery.status == "pending", "the outbox row exists although nothing was queued"
        assert discord.requests == []
        redispatch_at = delivery.next_attempt_at + timedelta(
            seconds=settings.ALERTS_REDISPATCH_AFTER_SECONDS
        )
        assert overdue(redispatch_at - timedelta(seconds=1)) == [], "its task may still run"
        assert overdue(redispatch_at) == [delivery.id]

        env = subprocess_env(REDIS_URL=REDIS_UP, ALERTS_ALLOW_PRIVATE_WEBHOOKS="1")
        with publishing_to(REDIS_UP), running_worker(queue, tmp_path, env) as worker:
            assert dispatch(overdue(redispatch_at)) == 1
            dispatch([delivery.id])  # a duplicate message must not mean a duplicate send
            assert sorted(finished_deliveries(worker, 2)) == ["'delivered'", "'skipped'"]
            assert overdue(timezone.now() + timedelta(hours=1)) == []

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(discord.accepted) == 1, "delivered exactly once"
    assert discord.early == 0
    outcomes = list(DeliveryAttempt.objects.values_list("outcome", "response_code"))
    assert outcomes == [("retry", 429), ("delivered", 204)]
