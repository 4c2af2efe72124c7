"""Webhook URLs are secrets and a way into our network: check them, never show them whole.

A webhook URL (Discord's carries its token) is checked when a channel is saved and again right
before each send, because DNS can change in between: https only, no user:password, and every
address the host resolves to must be public (not private, loopback, link-local, multicast,
reserved, shared or unspecified, also when wrapped in an IPv6 form such as ::ffff:127.0.0.1).
The request then connects to an address that was checked, keeping the host name for TLS and
the Host header, so a DNS answer that changes after the check (rebinding) cannot redirect it.

With ALERTS_ALLOW_PRIVATE_WEBHOOKS on (tests, a lab network) non-public addresses are allowed,
and so is plain http to them; a public address always needs https.
"""

import hashlib
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"https": 443, "http": 80}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
Resolver = Callable[[str, int], list[str]]


class UnsafeURL(ValueError):
    """The URL may never be used as a webhook."""


class HostNotFound(ValueError):
    """The host does not resolve now; it may later."""


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str
    port: int
    path: str  # path and query string, as sent in the request line
    addresses: tuple[str, ...]  # every address the host resolved to, all checked


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HostNotFound(f"cannot resolve the webhook host: {error}") from error
    return list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and (inner := embedded_ipv4(ip)) is not None:
        return is_public(str(inner))
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_url(
    url: str, allow_private: bool | None = None, resolver: Resolver = resolve
) -> WebhookTarget:
    """The target to connect to, or UnsafeURL / HostNotFound saying why not."""
    if allow_private is None:
        allow_private = settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"not a valid URL: {error}") from error
    if parts.scheme not in DEFAULT_PORTS:
        raise UnsafeURL("a webhook URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("a webhook URL must not carry a user name or password")
    host = parts.hostname
    if not host:
        raise UnsafeURL("a webhook URL needs a host")
    port = port or DEFAULT_PORTS[parts.scheme]
    addresses = resolver(host, port)
    if not addresses:
        raise HostNotFound(f"{host} has no address")
    public = [address for address in addresses if is_public(address)]
    if len(public) < len(addresses) and not allow_private:
        raise UnsafeURL(f"{host} resolves to a private, loopback or reserved address")
    if parts.scheme == "http" and (public or not allow_private):
        raise UnsafeURL("a webhook URL must use https")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return WebhookTarget(parts.scheme, host, port, path, tuple(addresses))


def mask_url(url: str) -> str:
    """Scheme and host, then a short digest to tell URLs apart: never the path or the token."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or "?"
    except ValueError:
        host = "?"
        parts = None
    scheme = parts.scheme if parts and parts.scheme in DEFAULT_PORTS else "?"
    digest = hashlib.sha256(url.encode()).hexdigest()[:6]
    return f"{scheme}://{host}/… [{digest}]"
