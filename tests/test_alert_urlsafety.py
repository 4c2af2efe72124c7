"""Webhook URLs (hostile input): private addresses refused, https only, never shown whole."""

import contextlib

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from diversity.alerts.models import Channel
from diversity.alerts.transports import DiscordTransport, TransportError
from diversity.alerts.urlsafety import HostNotFound, UnsafeURL, check_url, is_public, mask_url

PUBLIC = "162.159.138.232"  # discord.com


def resolver(*addresses):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.1.2.3", "10.0.0.5", "172.16.9.9", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::",
        "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "64:ff9b::7f00:1",
        "2002:7f00:1::1", "ff02::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address):
    assert not is_public(address)
    with pytest.raises(UnsafeURL):
        check_url("https://hooks.example.org/x", allow_private=False, resolver=resolver(address))


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/api/webhooks/1/t",
        "https://localhost/api/webhooks/1/t",
        "https://[::1]/api/webhooks/1/t",
        "https://2130706433/api/webhooks/1/t",  # 127.0.0.1 written as one number
        "https://0x7f.1/api/webhooks/1/t",
        "http://127.0.0.1:8080/hook",
    ],
)
def test_loopback_in_any_spelling_is_refused_by_the_real_resolver(url, settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    with pytest.raises((UnsafeURL, HostNotFound)):
        check_url(url)


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(UnsafeURL):
        check_url("https://h.example/x", allow_private=False, resolver=resolver(PUBLIC, "10.0.0.1"))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://discord.com/api/webhooks/1/t", "https"),
        ("ftp://discord.com/x", "https"),
        ("https://user:pw@discord.com/api/webhooks/1/t", "user name"),
        ("https:///nohost", "host"),
        ("https://discord.com:99999/x", "valid"),
    ],
)
def test_scheme_credentials_and_shape(url, reason):
    with pytest.raises(UnsafeURL, match=reason):
        check_url(url, allow_private=False, resolver=resolver(PUBLIC))


def test_public_https_is_accepted_with_every_address_kept():
    target = check_url(
        "https://discord.com/api/webhooks/1/tok?wait=true", allow_private=False,
        resolver=resolver(PUBLIC, "2606:4700::6810:85e5"),
    )  # fmt: skip
    assert (target.scheme, target.host, target.port) == ("https", "discord.com", 443)
    assert target.path == "/api/webhooks/1/tok?wait=true"
    assert target.addresses == (PUBLIC, "2606:4700::6810:85e5")


def test_the_allow_setting_opens_loopback_and_http_to_it_only():
    assert check_url("http://127.0.0.1:9/x", allow_private=True).addresses == ("127.0.0.1",)
    with pytest.raises(UnsafeURL, match="https"):
        check_url("http://discord.com/x", allow_private=True, resolver=resolver(PUBLIC))


@pytest.mark.django_db
def test_a_channel_with_a_private_webhook_does_not_validate(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    channel = Channel(
        name="d", kind=Channel.Kind.DISCORD, target="https://10.0.0.8/api/webhooks/1/t"
    )
    with pytest.raises(ValidationError, match="private"):
        channel.full_clean()


@pytest.mark.django_db
def test_the_url_is_checked_again_at_send_time(settings):
    """A URL stored while allowed (or whose DNS changed since) is refused when sending."""
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    channel = Channel(name="d", kind=Channel.Kind.DISCORD, target="http://127.0.0.1:9/hook")
    with pytest.raises(TransportError) as refused:
        DiscordTransport(channel).post(b"{}", {})
    assert refused.value.permanent


def test_mask_shows_host_never_the_token():
    masked = mask_url("https://discord.com/api/webhooks/123456/abcdefSECRET")
    assert masked.startswith("https://discord.com/… [")
    assert "SECRET" not in masked and "123456" not in masked


def test_two_urls_on_one_host_are_told_apart():
    a = mask_url("https://discord.com/api/webhooks/1/aaa")
    b = mask_url("https://discord.com/api/webhooks/1/bbb")
    assert a != b


@given(
    token=st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=12),
    query=st.text(max_size=30),
)
def test_mask_never_contains_the_secret_part(token, query):
    masked = mask_url(f"https://discord.com/api/webhooks/99/{token}?{query}")
    assert token not in masked


@given(st.text(max_size=200))
def test_mask_and_check_never_crash_on_any_text(text):
    assert isinstance(mask_url(text), str)
    with contextlib.suppress(UnsafeURL, HostNotFound):
        check_url(text, allow_private=False, resolver=resolver(PUBLIC))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        (Channel.Kind.DISCORD, "https://no-such-host.invalid/api/webhooks/1/t", "resolve"),
        (Channel.Kind.EMAIL, "ops@example.org, not an address", "not an email address"),
        (Channel.Kind.EMAIL, " , ", "at least one"),
    ],
)
def test_channel_targets_are_validated(kind, target, message):
    with pytest.raises(ValidationError, match=message):
        Channel(name="c", kind=kind, target=target).full_clean()
