"""Transport helpers: Discord's size limits always hold, Retry-After is read both ways."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversity.alerts.transports import fit_embeds, retry_after
from tests.fake_discord import limit_errors

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
