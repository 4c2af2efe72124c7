"""Delivery to a real HTTP server on 127.0.0.1 that plays Discord (reliability/fake_discord.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from diversity.alerts.delivery import deliver_due
from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Channel, Delivery, DeliveryAttempt, Rule, Subscription
from diversity.alerts.outbox import send_test
from diversity.alerts.rendering import COLOURS
from diversity.alerts.situation import Condition
from diversity.alerts.transports import SUPPRESS_NOTIFICATIONS
from reliability.fake_discord import FakeDiscord

pytestmark = pytest.mark.django_db
WARNING = Condition(
    Rule.IMPLEMENTATION_SHARE, "share:watchtower:smartnode", "warning",
    "smartnode nears half of the watchtower vote", "smartnode runs on 40.0% of members.",
)  # fmt: skip


@pytest.fixture(autouse=True)
def allow_loopback_webhooks(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    settings.TOWERWATCH_DASHBOARD_URL = "https://towerwatch.example"


def discord_channel(url: str, kind=Channel.Kind.DISCORD) -> Channel:
    channel = Channel.objects.create(name="oDAO Discord", kind=kind, target=url)
    Subscription.objects.create(channel=channel)
    return channel


def raise_alert(condition=WARNING, resolve_after=False):
    now = timezone.now()
    apply_conditions("devnet", [condition], {condition.rule}, now)
    if resolve_after:
        apply_conditions("devnet", [], {condition.rule}, now)


def test_rate_limited_message_arrives_once_after_the_retry():
    with FakeDiscord(script=[429, 204], retry_after=0.25) as discord:
        discord_channel(discord.url)
        raise_alert()
        assert deliver_due() == {"delivered": 1}
        assert deliver_due(timezone.now() + timedelta(hours=1)) == {}
    assert [r.status for r in discord.requests] == [429, 204]
    assert discord.early == 0, "we came back before retry_after"
    assert len(discord.accepted) == 1
    tries = list(DeliveryAttempt.objects.order_by("number"))
    assert [(t.outcome, t.response_code) for t in tries] == [("retry", 429), ("delivered", 204)]
    assert tries[0].retry_after == 1.0  # the larger of the body's 0.25 s and the header's 1 s
    assert tries[1].at - tries[0].at >= timedelta(seconds=1)
    assert Delivery.objects.get().status == "delivered"


def test_the_embed_has_colour_link_and_no_pings():
    with FakeDiscord(script=[204]) as discord:
        discord_channel(discord.url)
        raise_alert(resolve_after=True)
        deliver_due()
    opened, resolved = discord.accepted
    embed = opened["embeds"][0]
    assert embed["color"] == COLOURS["warning"]
    assert embed["title"] == "WARNING: smartnode nears half of the watchtower vote"
    assert embed["url"].startswith("https://towerwatch.example/alerts/")
    assert "40.0%" in embed["description"]
    assert opened["allowed_mentions"] == {"parse": []}
    assert opened["username"] == "towerwatch devnet"
    assert "flags" not in opened, "an opening pings"
    assert resolved["embeds"][0]["color"] == COLOURS["resolved"]
    assert "RESOLVED" in resolved["embeds"][0]["title"]
    assert resolved["flags"] == SUPPRESS_NOTIFICATIONS, "a resolution is quiet"


def test_a_huge_alert_is_cut_to_discords_limits():
    huge = Condition(
        Rule.IMPLEMENTATION_DISAGREES, "implementation_disagrees:balances:watchtower:x",
        "critical", "T" * 1000, "@everyone " + "M" * 20_000,
    )  # fmt: skip
    with FakeDiscord(script=[204]) as discord:
        discord_channel(discord.url)
        raise_alert(huge)
        assert deliver_due() == {"delivered": 1}
    (payload,) = discord.accepted
    embed = payload["embeds"][0]
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert len(embed["description"]) <= 4096


def test_a_long_retry_after_reschedules_instead_of_waiting():
    with FakeDiscord(script=[429, 204], retry_after=120) as discord:
        discord_channel(discord.url)
        raise_alert()
        assert deliver_due() == {"retry": 1}
        delivery = Delivery.objects.get()
        assert delivery.status == "pending"
        assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=110)
        assert deliver_due(timezone.now() + timedelta(seconds=60)) == {}
        discord.limited_until = 0  # two minutes pass for the fake as well
        assert deliver_due(timezone.now() + timedelta(seconds=121)) == {"delivered": 1}
    assert len(discord.accepted) == 1 and discord.early == 0


def test_server_errors_back_off_and_client_errors_give_up(settings):
    settings.ALERTS_BACKOFF_SECONDS = 30
    with FakeDiscord(script=[503, 500, 404]) as discord:
        discord_channel(discord.url)
        raise_alert()
        assert deliver_due() == {"retry": 1}
        first = Delivery.objects.get().next_attempt_at
        assert deliver_due(timezone.now() + timedelta(seconds=31)) == {"retry": 1}
        second = Delivery.objects.get().next_attempt_at
        assert second - first >= timedelta(seconds=55)  # 30 s, then 60 s
        assert deliver_due(timezone.now() + timedelta(minutes=5)) == {"failed": 1}
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "HTTP 404" in delivery.last_error
    outcomes = list(delivery.tries.values_list("outcome", "response_code"))
    assert outcomes == [("retry", 503), ("retry", 500), ("failed", 404)]


def test_gives_up_after_the_maximum_number_of_tries(settings):
    settings.ALERTS_MAX_ATTEMPTS = 2
    with FakeDiscord(script=[], then=502) as discord:
        discord_channel(discord.url)
        raise_alert()
        deliver_due()
        assert deliver_due(timezone.now() + timedelta(hours=1)) == {"failed": 1}
    assert "gave up after 2 tries" in Delivery.objects.get().last_error


def test_an_unreachable_destination_is_retried_and_the_url_stays_secret():
    with FakeDiscord() as discord:
        url = discord.url
    discord_channel(url)  # the server is gone: connection refused
    raise_alert()
    assert deliver_due() == {"retry": 1}
    delivery = Delivery.objects.get()
    assert "could not reach" in delivery.last_error
    assert "s3cret-webhook-token" not in delivery.last_error


def test_send_test_notification():
    with FakeDiscord(script=[204]) as discord:
        channel = discord_channel(discord.url)
        send_test(channel)
        assert deliver_due() == {"delivered": 1}
    (payload,) = discord.accepted
    assert "TEST" in payload["embeds"][0]["title"]
    assert payload["embeds"][0]["url"] == "https://towerwatch.example/alerts/"
