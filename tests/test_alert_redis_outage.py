"""Alerts queued while Redis is down are delivered, exactly once, when it is back.

The shared Redis is never stopped: this process's Celery app is pointed at a port where nothing
listens while the alert is raised, then at Redis database 15, where a real worker (started as
`celery -A towerwatch worker`) listens on a queue of its own and delivers to the fake Discord.
"""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from diversity.alerts.delivery import overdue
from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Channel, Delivery, DeliveryAttempt, Rule, Subscription
from diversity.alerts.situation import Condition
from diversity.alerts.tasks import dispatch
from tests.conftest import ROOT
from tests.fake_discord import FakeDiscord
from towerwatch.celery import app

REDIS_UP = "redis://127.0.0.1:6379/15"
REDIS_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
DELIVERY_TIMEOUT = 60
CONDITION = Condition(
    Rule.CONSENSUS_LATE,
    "consensus_late:balances:123",
    "critical",
    "No consensus on balances after 90 minutes",
    "balances round 123 has 4 votes.",
)


@contextmanager
def broker(url: str):
    """Publish through `url` for a while (connections and producer pools are dropped)."""

    def reset():
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        reset()


def worker_database_url(tmp_path) -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"  # noqa: E501
    assert not connection.is_in_memory_db(), "the worker must share the test database"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def queue(settings):
    name = f"towerwatch-alerts-test-{uuid.uuid4().hex}"
    settings.ALERTS_CELERY_QUEUE = name
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    return name


@contextmanager
def worker(queue: str, tmp_path):
    env = {
        **os.environ,
        "REDIS_URL": REDIS_UP,
        "DATABASE_URL": worker_database_url(tmp_path),
        "ALERTS_ALLOW_PRIVATE_WEBHOOKS": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "towerwatch",
        "worker",
        "--pool",
        "solo",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
    ]
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_tasks(log, count: int) -> list[str]:
    """The results of the first `count` send_delivery tasks the worker finished."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while time.monotonic() < deadline:
        done = [
            line
            for line in log.read_text().splitlines()
            if "diversity.alerts.send_delivery" in line and "succeeded" in line
        ]
        if len(done) >= count:
            return [line.rsplit(":", 1)[1].strip() for line in done]
        time.sleep(0.2)  # waiting on another process, not on our own clock
    pytest.fail(f"the worker finished fewer than {count} deliveries; its log:\n{log.read_text()}")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the worker must see the committed rows
def test_alert_raised_while_redis_is_down_is_delivered_once_when_it_is_back(queue, tmp_path):
    with FakeDiscord(script=[429, 204], retry_after=0.2) as discord:
        channel = Channel.objects.create(name="odao", kind=Channel.Kind.DISCORD, target=discord.url)
        Subscription.objects.create(channel=channel)

        with broker(REDIS_DOWN):
            (event,) = apply_conditions(
                "devnet", [CONDITION], {CONDITION.rule}, timezone.now(), queue=dispatch
            )
        delivery = Delivery.objects.get(events=event)
        assert delivery.status == "pending", "the outbox row exists although nothing was queued"
        assert discord.requests == []

        with broker(REDIS_UP), worker(queue, tmp_path) as log:
            assert overdue(timezone.now()) == [], "not overdue yet: its task may still run"
            assert dispatch(overdue(timezone.now() + timedelta(minutes=2))) == 1
            dispatch([delivery.id])  # a duplicate message must not mean a duplicate send
            results = wait_for_tasks(log, 2)
            assert sorted(results) == ["'delivered'", "'skipped'"]
            assert overdue(timezone.now() + timedelta(hours=1)) == []

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(discord.accepted) == 1, "delivered exactly once"
    assert discord.early == 0
    outcomes = list(DeliveryAttempt.objects.values_list("outcome", "response_code"))
    assert outcomes == [("retry", 429), ("delivered", 204)]
