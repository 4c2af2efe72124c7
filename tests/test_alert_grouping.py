"""Acceptance: two alerts changing in one evaluation are one Discord message and one email per
channel, each change with its severity's colour and a link to its alert page; email has a plain
and an HTML part. Against a fake Discord and an SMTP server on 127.0.0.1."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from diversity.alerts.delivery import deliver_due
from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Alert, Channel, Rule, Subscription
from diversity.alerts.rendering import COLOURS
from diversity.alerts.situation import Condition
from diversity.alerts.transports import SUPPRESS_NOTIFICATIONS
from reliability.fake_discord import FakeDiscord

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)
SHARE, WRONG = Rule.IMPLEMENTATION_SHARE, Rule.CONSENSUS_WRONG


def smartnode(severity: str) -> Condition:
    title = {"warning": "smartnode nears half", "emergency": "smartnode can finalise alone"}
    return Condition(SHARE, "share:watchtower:smartnode", severity, title[severity],
                     f"smartnode at the {severity} level")  # fmt: skip


WRONG_BALANCES = Condition(WRONG, "consensus_wrong:balances", "emergency",
                           "Consensus on balances differs from the reference",
                           "total_eth: consensus 1, reference 2.")  # fmt: skip


@pytest.fixture(autouse=True)
def dashboard(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    settings.TOWERWATCH_DASHBOARD_URL = "https://towerwatch.example"


def evaluate(conditions, at: datetime) -> None:
    apply_conditions("devnet", conditions, {SHARE, WRONG}, at)
    deliver_due()


def test_two_changes_in_one_evaluation_are_one_message_per_channel(smtp):
    inbox = smtp()
    with FakeDiscord(script=[]) as discord:
        for name, kind, target in [("discord", Channel.Kind.DISCORD, discord.url),
                                   ("mail", Channel.Kind.EMAIL, "odao@example.org")]:  # fmt: skip
            Subscription.objects.create(
                channel=Channel.objects.create(name=name, kind=kind, target=target)
            )
        evaluate([smartnode("warning")], T0)
        evaluate([smartnode("emergency"), WRONG_BALANCES], T0 + timedelta(minutes=1))
        evaluate([], T0 + timedelta(minutes=2))

    assert len(discord.requests) == len(inbox.accepted) == 3, "one message per evaluation"
    _, grouped, resolved = discord.accepted
    wrong, share = Alert.objects.get(rule=WRONG), Alert.objects.get(rule=SHARE)
    assert [(e["title"], e["color"], e["url"]) for e in grouped["embeds"]] == [
        ("EMERGENCY, up from WARNING: smartnode can finalise alone", COLOURS["emergency"],
         f"https://towerwatch.example/alerts/{share.id}/"),
        ("EMERGENCY: Consensus on balances differs from the reference", COLOURS["emergency"],
         f"https://towerwatch.example/alerts/{wrong.id}/"),
    ]  # fmt: skip
    assert "flags" not in grouped
    assert [e["title"] for e in resolved["embeds"]] == [
        "RESOLVED: smartnode can finalise alone",
        "RESOLVED: Consensus on balances differs from the reference",
    ]
    assert resolved["flags"] == SUPPRESS_NOTIFICATIONS, "resolutions arrive without a ping"
    assert {e["color"] for e in resolved["embeds"]} == {COLOURS["resolved"]}

    mails = [message_from_bytes(e.content, policy=policy.default) for e in inbox.accepted]
    assert [m["Subject"] for m in mails] == [
        "[towerwatch devnet] WARNING: smartnode nears half",
        "[towerwatch devnet] EMERGENCY, up from WARNING: smartnode can finalise alone (+1 more)",
        "[towerwatch devnet] RESOLVED: smartnode can finalise alone (+1 more)",
    ]
    grouped_mail, resolved_mail = mails[1], mails[2]
    text = grouped_mail.get_body(("plain",)).get_content()
    html = grouped_mail.get_body(("html",)).get_content()
    for body in (text, html):
        assert "smartnode can finalise alone" in body
        assert "Consensus on balances differs from the reference" in body
        assert f"https://towerwatch.example/alerts/{share.id}/" in body
        assert f"https://towerwatch.example/alerts/{wrong.id}/" in body
    assert grouped_mail["Importance"] is None
    assert resolved_mail["Importance"] == "low", "a quiet email asks for no attention"
