"""Email delivery to a real SMTP server on 127.0.0.1 (tests/fake_smtp.py), through Django's mail."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.utils import timezone

from diversity.alerts.delivery import deliver_due
from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Channel, Delivery, Rule, Subscription
from diversity.alerts.situation import Condition
from tests.fake_smtp import free_port

pytestmark = pytest.mark.django_db
CONDITION = Condition(
    Rule.IMPLEMENTATION_SHARE,
    "share:watchtower:smartnode",
    "critical",
    "smartnode holds half of the watchtower vote",
    "smartnode runs on 50.0% <b>of</b> members.",
)


def mail_channel(addresses="odao@example.org, pdao@example.org") -> Channel:
    channel = Channel.objects.create(name="mail", kind=Channel.Kind.EMAIL, target=addresses)
    Subscription.objects.create(channel=channel, min_severity="critical")
    return channel


def raise_alert():
    apply_conditions("devnet", [CONDITION], {CONDITION.rule}, timezone.now())


def test_a_temporary_failure_is_retried_and_the_mail_arrives_once(smtp):
    inbox = smtp(replies=["451 4.3.0 try again later"])
    mail_channel()
    raise_alert()
    assert deliver_due() == {"retry": 1}
    assert inbox.accepted == []
    assert deliver_due(timezone.now() + timedelta(minutes=1)) == {"delivered": 1}
    assert deliver_due(timezone.now() + timedelta(hours=1)) == {}
    (envelope,) = inbox.accepted
    assert sorted(envelope.rcpt_tos) == ["odao@example.org", "pdao@example.org"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == (
        "[towerwatch devnet] CRITICAL: smartnode holds half of the watchtower vote"
    )
    assert message["X-Towerwatch-Delivery"] == str(Delivery.objects.get().uuid)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "50.0% <b>of</b> members" in text
    assert "50.0% &lt;b&gt;of&lt;/b&gt; members" in html  # chain text is escaped in HTML
    tries = list(Delivery.objects.get().tries.values_list("outcome", "response_code"))
    assert tries == [("retry", 451), ("delivered", None)]


def test_a_refused_recipient_is_a_permanent_failure(smtp):
    smtp(replies=["550 5.1.1 no such user"])
    mail_channel("nobody@example.org")
    raise_alert()
    assert deliver_due() == {"failed": 1}
    assert "550" in Delivery.objects.get().last_error


def test_no_server_is_a_temporary_failure(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    mail_channel()
    raise_alert()
    assert deliver_due() == {"retry": 1}
    assert Delivery.objects.get().status == "pending"
