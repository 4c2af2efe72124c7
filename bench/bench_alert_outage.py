"""Redis down with alerts queued, for the reliability table.

On a Redis of the scenario's own (reliability/redis_server.py; the shared one is never touched):
alerts are raised and their deliveries queued in Redis with no worker running yet; Redis is
SIGKILLed, and the queue dies with it (no persistence); more alerts are raised while it is down,
and their queueing is refused. Redis is started again, empty; the redispatch re-queues what is
overdue, as beat does every 30 s (judged at a clock past ALERTS_REDISPATCH_AFTER_SECONDS rather
than by waiting that long), and a real worker delivers to a fake Discord.

Ground truth is what the database says was owed (the alerts raised, the deliveries written);
what arrived is what the fake Discord accepted. Lost: alerts whose title never arrived,
deliveries not delivered, and messages sent twice.
"""

import json
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from diversity.alerts.delivery import overdue
from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Alert, Channel, Delivery, Rule, Subscription
from diversity.alerts.situation import Condition
from diversity.alerts.tasks import dispatch
from reliability.celery_broker import publishing_to
from reliability.celery_worker import running_worker
from reliability.fake_discord import FakeDiscord
from reliability.processes import subprocess_env
from reliability.redis_server import RedisServer
from reliability.scenario import Scenario

NETWORK = "devnet"
SEND_DELIVERY = "diversity.alerts.send_delivery"


class Queueing:
    """Raises one new alert per evaluation, each with its own title, and counts what the
    Celery adapter managed to queue (it logs and swallows a broker error)."""

    def __init__(self):
        self.conditions: list[Condition] = []
        self.queued = 0

    def raise_alerts(self, count: int) -> int:
        """Raise `count` alerts; how many of their deliveries reached the broker."""
        queued_before = self.queued
        for _ in range(count):
            number = len(self.conditions)
            self.conditions.append(Condition(
                Rule.CONSENSUS_LATE, f"bench_outage:{number}", "critical",
                f"Outage alert [{number}]", f"raised while testing a Redis outage ({number})",
            ))  # fmt: skip
            apply_conditions(NETWORK, self.conditions, {Rule.CONSENSUS_LATE}, timezone.now(),
                             queue=self._queue)  # fmt: skip
        return self.queued - queued_before

    def _queue(self, delivery_ids: list[int]) -> None:
        self.queued += dispatch(delivery_ids)


def redis_outage(folder: Path, in_redis: int, while_down: int) -> Scenario:
    queue = f"towerwatch-outage-{uuid.uuid4().hex}"
    alerts_here = override_settings(ALERTS_CELERY_QUEUE=queue, ALERTS_ALLOW_PRIVATE_WEBHOOKS=True)
    with RedisServer() as redis, FakeDiscord(script=[]) as discord, alerts_here:
        channel = Channel.objects.create(name=queue, kind=Channel.Kind.DISCORD, target=discord.url)
        Subscription.objects.create(channel=channel)
        alerts = Queueing()
        with publishing_to(redis.url()):
            lost_with_redis = alerts.raise_alerts(in_redis)
            redis.kill()
            refused = while_down - alerts.raise_alerts(while_down)
            redis.start()
            env = subprocess_env(REDIS_URL=redis.url(), ALERTS_ALLOW_PRIVATE_WEBHOOKS="1")
            with running_worker(queue, folder, env, "outage") as worker:
                requeued = redispatch_as_beat_would()
                worker.wait_for(lambda: len(worker.results(SEND_DELIVERY)) >= requeued,
                                f"sent the {requeued} re-queued deliveries")  # fmt: skip
        lost = losses(channel, discord, alerts.conditions)
    return Scenario(
        f"Redis (a server of its own) SIGKILLed with {lost_with_redis} alert deliveries in its "
        f"queue, {refused} more refused while it was down; restarted empty, the deliveries "
        "re-queued by the redispatch and sent by a real worker",
        lost_with_redis + refused,
        lost,
    )


def redispatch_as_beat_would() -> int:
    later = timezone.now() + timedelta(seconds=settings.ALERTS_REDISPATCH_AFTER_SECONDS)
    return dispatch(overdue(later))


def losses(channel: Channel, discord: FakeDiscord, conditions: list[Condition]) -> dict[str, int]:
    raised = list(Alert.objects.filter(network=NETWORK, key__in=[c.key for c in conditions]))
    received = [json.dumps(body) for body in discord.accepted]
    heard = [alert for alert in raised if any(alert.title in text for text in received)]
    owed = Delivery.objects.filter(channel=channel)
    delivered = owed.filter(status=Delivery.Status.DELIVERED).count()
    return {
        "alerts": len(conditions) - len(heard),
        "deliveries": owed.count() - delivered,
        "sent_twice": len(discord.accepted) - delivered,
    }
