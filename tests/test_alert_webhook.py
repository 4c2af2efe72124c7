"""The generic JSON webhook: signed with HMAC-SHA256 over timestamp and body, delivered once."""

import time

import pytest
from django.utils import timezone

from diversity.alerts.delivery import deliver_due
from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Channel, Delivery, Rule, Subscription
from diversity.alerts.situation import Condition
from diversity.alerts.transports import sign, verify_signature
from reliability.fake_discord import FakeDiscord

SECRET = "k" * 64
BODY = b'{"event": "alert.opened"}'


def test_signature_round_trip():
    header = sign(SECRET, 1_700_000_000, BODY)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature(SECRET, header, BODY, now=1_700_000_100)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("other secret", BODY, 1_700_000_000),  # wrong key
        (SECRET, BODY + b" ", 1_700_000_000),  # body changed by one byte
        (SECRET, BODY, 1_700_000_301),  # replayed more than 5 minutes later
    ],
)
def test_signature_rejects_wrong_key_tampering_and_replay(secret, body, now):
    assert not verify_signature(secret, sign(SECRET, 1_700_000_000, BODY), body, now=now)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=x,v1=abc", "t=1700000000"])
def test_malformed_signature_headers_are_rejected(header):
    assert not verify_signature(SECRET, header, BODY, now=1_700_000_000)


@pytest.mark.django_db
def test_webhook_is_signed_and_carries_the_alert(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    with FakeDiscord(script=[500, 204]) as receiver:
        channel = Channel.objects.create(name="ops", kind=Channel.Kind.WEBHOOK, target=receiver.url)
        Subscription.objects.create(channel=channel)
        condition = Condition(
            Rule.CONSENSUS_WRONG,
            "consensus_wrong:balances",
            "emergency",
            "Consensus on balances differs",
            "total_eth differs",
            {"duty": "balances"},
        )
        apply_conditions("devnet", [condition], {condition.rule}, timezone.now())
        deliver_due()
        deliver_due(timezone.now() + timezone.timedelta(minutes=5))
    assert len(channel.secret) == 64, "a secret is generated for a new webhook channel"
    failed, delivered = receiver.requests
    delivery = Delivery.objects.get()
    for request in (failed, delivered):
        assert request.headers["X-Towerwatch-Delivery"] == str(delivery.uuid), "same id on retry"
        assert request.headers["X-Towerwatch-Event"] == "alert.opened"
        assert verify_signature(
            channel.secret, request.headers["X-Towerwatch-Signature"], request.raw, now=time.time()
        )
    payload = delivered.body
    (event,) = payload["events"]
    assert event["event"] == "alert.opened" and event["alert"]["rule"] == "consensus_wrong"
    assert event["severity"] == "emergency" and event["details"] == {"duty": "balances"}
    assert event["url"].endswith(f"/alerts/{event['alert']['id']}/")
    assert payload["url"] == event["url"], "one alert: the notification links to its page"
    assert payload["delivery"] == str(delivery.uuid) and payload["quiet"] is False
    assert delivery.status == "delivered" and delivery.attempts == 2
