"""`manage.py alerts`: evaluate now, deliver what is due, send a test notification."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from diversity.alerts.models import Alert, Channel, Subscription
from diversity.alerts.tasks import evaluate_alerts
from reliability.fake_discord import FakeDiscord

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("alerts", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def no_devnet(settings, tmp_path):
    settings.TOWERWATCH_NETWORK = "devnet"
    settings.TOWERWATCH_DEVNET_FILE = tmp_path / "missing.json"


def test_test_notification_then_deliver(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    with FakeDiscord(script=[]) as discord:
        channel = Channel.objects.create(name="odao", kind=Channel.Kind.DISCORD, target=discord.url)
        output = run("--test-channel", str(channel.id), "--deliver")
    assert "queued a test notification" in output and "'delivered': 1" in output
    assert len(discord.accepted) == 1


def test_evaluate_and_deliver_when_the_node_is_unreachable(no_devnet):
    channel = Channel.objects.create(name="mail", kind=Channel.Kind.EMAIL, target="ops@example.org")
    Subscription.objects.create(channel=channel, min_severity="critical")
    output = run()
    assert "opened critical" in output and "does not answer" in output
    (message,) = mail.outbox
    assert message.subject == "[towerwatch devnet] CRITICAL: The devnet node does not answer"
    assert "no devnet deployment" in message.body
    assert run("--evaluate").count("opened") == 0, "the same condition is not announced twice"


def test_the_beat_task_evaluates_once_at_a_time(no_devnet):
    from django.core.cache import cache

    assert evaluate_alerts()["events"] == ["opened The devnet node does not answer"]
    cache.add("towerwatch:alerts:devnet", "someone else", 60)
    try:
        assert evaluate_alerts() == {"skipped": "another evaluation is running"}
    finally:
        cache.delete("towerwatch:alerts:devnet")
    assert Alert.objects.count() == 1


def test_unknown_test_channel_is_an_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("--test-channel", "999")
