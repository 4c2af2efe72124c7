"""Transport helpers: Discord's size limits always hold, Retry-After is read both ways."""

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversity.alerts.models import AlertEvent, Delivery
from diversity.alerts.rendering import Item, Notification
from diversity.alerts.transports import discord_payload, fit_embeds, retry_after
from reliability.fake_discord import limit_errors

T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)
texts = st.text(max_size=7000)
fields = st.lists(
    st.fixed_dictionaries({"name": st.text(max_size=300), "value": st.text(max_size=1200)}),
    max_size=30,
)
embeds = st.lists(
    st.fixed_dictionaries(
        {
            "title": texts,
            "description": texts,
            "fields": fields,
            "footer": st.fixed_dictionaries({"text": st.text(max_size=2100)}),
        }
    ),
    max_size=12,
)


@settings(
    max_examples=50,
    deadline=None,  # big texts: generation time varies with the machine's load
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(embeds)
def test_fitted_embeds_are_always_within_discords_limits(raw):
    fitted = fit_embeds(raw)
    assert limit_errors({"embeds": fitted}) == []
    for embed in fitted:
        assert len(embed["fields"]) <= 25
        assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in embed["fields"])
        assert len(embed["footer"]["text"]) <= 2048


def test_short_embeds_are_left_alone():
    embed = {"title": "t", "description": "d", "fields": [], "footer": {"text": "f"}}
    assert fit_embeds([embed]) == [embed]


def test_the_first_embed_keeps_its_text_when_later_ones_must_give_way():
    first = {"title": "a", "description": "x" * 4000}
    second = {"title": "b", "description": "y" * 4000}
    fitted = fit_embeds([first, second])
    assert fitted[0]["description"] == "x" * 4000
    assert sum(len(e["title"]) + len(e["description"]) for e in fitted) <= 6000


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (b'{"retry_after": 0.35, "global": false}', {}, 0.35),
        (b"", {"Retry-After": "2"}, 2.0),
        (b'{"retry_after": 0.35}', {"Retry-After": "1"}, 1.0),
        (b'{"retry_after": 3}', {"Retry-After": "1"}, 3.0),
        (b"not json", {"Retry-After": "soon"}, None),
        (b'{"retry_after": true}', {}, None),
        (b"[1, 2]", {}, None),
    ],
)
def test_retry_after_takes_the_longer_of_body_and_header(body, headers, expected):
    assert retry_after(body, headers) == expected


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=25))
def test_a_grouped_discord_message_tells_every_change_or_how_many_more(lengths):
    items = [
        Item(
            AlertEvent(kind="opened", at=T0, severity="warning", title=f"alert {n}"),
            "WARNING",
            f"https://towerwatch.example/alerts/{n}/",
            "m" * length,
        )
        for n, length in enumerate(lengths)
    ]
    notification = Notification(
        Delivery(quiet=False), "devnet", items, "", "https://towerwatch.example/alerts/", "", "", ""
    )
    embeds = discord_payload(notification)["embeds"]
    assert limit_errors({"embeds": embeds}) == []
    if len(embeds) == len(items):
        assert [e["title"] for e in embeds] == [item.headline for item in items]
    else:
        rest = len(items) - (len(embeds) - 1)
        assert embeds[-1]["title"] == f"… and {rest} more change{'s' if rest > 1 else ''}"
        assert embeds[-1]["url"] == "https://towerwatch.example/alerts/"
