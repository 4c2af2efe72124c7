"""Template helpers for the dashboard: explorer links, safe URLs, amounts, charts.

Everything that reaches a page from the chain (member IDs, URLs, values) is user-controlled:
these helpers return plain strings that the templates autoescape, and `http_url` lets a URL
become a link only when it is http(s).
"""

from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.utils.html import format_html, json_script

register = template.Library()
WEI = Decimal(10) ** 18


@register.filter
def explorer_tx(tx_hash: str) -> str:
    return settings.TOWERWATCH_EXPLORER_TX_URL.format(tx=tx_hash)


@register.filter
def explorer_address(address: str) -> str:
    return settings.TOWERWATCH_EXPLORER_ADDRESS_URL.format(address=address)


@register.filter
def http_url(value: str) -> str:
    """The URL if it is an absolute http(s) URL with a host, else an empty string."""
    try:
        parts = urlsplit(str(value).strip())
    except ValueError:
        return ""
    return parts.geturl() if parts.scheme in ("http", "https") and parts.hostname else ""


@register.filter
def percent(fraction, digits: int = 0) -> str:
    if fraction is None:
        return "–"
    return f"{float(fraction) * 100:.{int(digits)}f}%"


@register.filter
def short_hex(value: str, keep: int = 6) -> str:
    text = str(value)
    return text if len(text) <= 2 * keep + 2 else f"{text[: keep + 2]}…{text[-keep:]}"


@register.filter
def ether(wei) -> str:
    """A wei amount as ether with four decimals, or '' when it is not a number."""
    try:
        return f"{Decimal(str(wei)) / WEI:,.4f}"
    except (InvalidOperation, ValueError):
        return ""


@register.filter
def duration(seconds) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@register.simple_tag
def network_name() -> str:
    return settings.TOWERWATCH_NETWORK


@register.simple_tag
def protocol_description() -> str:
    """On the devnet, which contracts it runs (the real protocol or the imitation), so that a
    demo never passes one off as the other; empty elsewhere."""
    if settings.TOWERWATCH_NETWORK != "devnet":
        return ""
    from votes.devnet.deploy import Deployment

    try:
        return Deployment.load(settings.TOWERWATCH_DEVNET_FILE).describe()
    except (OSError, ValueError, TypeError, KeyError):
        return ""


@register.simple_tag
def chart(figure: dict, element_id: str, label: str):
    """A chart container and its figure JSON; static/js/charts.js draws it with Plotly."""
    return format_html(
        '<div class="chart" id="{}" data-figure="{}" role="img" aria-label="{}">'
        '<noscript><p class="muted">This chart needs JavaScript; the table below has the '
        "same figures.</p></noscript></div>{}",
        element_id,
        f"{element_id}-figure",
        label,
        json_script(figure, f"{element_id}-figure"),
    )


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None
