"""How a notification leaves towerwatch: one small class per kind of channel.

`Transport.notify` makes exactly one try and returns the response code (None for email), or
raises `TransportError`; `permanent` says whether trying again can help, `retry_after` how long
the server asked us to wait. Retrying, backoff and recording each try are delivery.py's job, so
every try becomes a DeliveryAttempt row.

HTTP goes only to the address urlsafety checked (host name kept for TLS and Host), follows no
redirects and reads at most 64 KiB of the answer. Error texts never contain the URL's path,
which is where webhook tokens live.

The JSON webhook is signed so the receiver can tell it came from us and was not replayed:
  X-Towerwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>
  X-Towerwatch-Delivery: <uuid of the delivery, the same on every retry: deduplicate on it>
  X-Towerwatch-Event: alert.opened | alert.resolved | alert.test
The receiver recomputes the HMAC over the exact bytes it received, compares in constant time,
and rejects a timestamp more than 5 minutes from its clock (`verify_signature` does all three).
"""

import contextlib
import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass

import certifi
import urllib3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from diversity.alerts.urlsafety import HostNotFound, UnsafeURL, WebhookTarget, check_url
from diversity.models.alerts import AlertEvent, Channel, Delivery, Severity

MAX_RESPONSE_BYTES = 64 * 1024
SIGNATURE_TOLERANCE_SECONDS = 300
COLOURS = {  # Discord embed colours: accessible on dark and light themes
    Severity.INFO: 0x1C7ED6,
    Severity.WARNING: 0xF08C00,
    Severity.CRITICAL: 0xE03131,
    Severity.EMERGENCY: 0x862E9C,
    "resolved": 0x2F9E44,
}
DISCORD_LIMITS = {
    "title": 256,
    "description": 4096,
    "embeds": 10,
    "total": 6000,
    "fields": 25,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "content": 2000,
    "username": 80,
}


class TransportError(Exception):
    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.permanent, self.status, self.retry_after = permanent, status, retry_after


@dataclass
class Notification:
    """One delivery's message, rendered once from the templates in templates/alerts/notify/."""

    delivery: Delivery
    event: AlertEvent
    link: str
    subject: str
    text: str
    html: str
    markdown: str

    @property
    def colour(self) -> int:
        resolved = self.event.kind == AlertEvent.Kind.RESOLVED
        return COLOURS["resolved"] if resolved else COLOURS[self.event.severity]


def dashboard_link(event: AlertEvent) -> str:
    base = settings.TOWERWATCH_DASHBOARD_URL.rstrip("/")
    if event.alert_id is None:
        return base + reverse("alerts:list")
    return base + reverse("alerts:detail", args=[event.alert_id])


def render_notification(delivery: Delivery) -> Notification:
    event = delivery.event
    context = {
        "event": event,
        "alert": event.alert,
        "link": dashboard_link(event),
        "network": event.alert.network if event.alert else settings.TOWERWATCH_NETWORK,
    }
    render = lambda name: render_to_string(f"alerts/notify/{name}", context).strip()  # noqa: E731
    subject = " ".join(render("subject.txt").split())
    return Notification(
        delivery,
        event,
        context["link"],
        subject,
        render("body.txt"),
        render("body.html"),
        render("discord.md"),
    )


class Transport:
    def __init__(self, channel: Channel):
        self.channel = channel

    def notify(self, notification: Notification) -> int | None:
        raise NotImplementedError


class EmailTransport(Transport):
    def notify(self, notification: Notification) -> int | None:
        message = EmailMultiAlternatives(
            notification.subject,
            notification.text,
            settings.DEFAULT_FROM_EMAIL,
            self.channel.emails,
            headers={"X-Towerwatch-Delivery": str(notification.delivery.uuid)},
        )
        message.attach_alternative(notification.html, "text/html")
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            raise TransportError(f"recipients refused: {error}", permanent=True) from error
        except smtplib.SMTPResponseException as error:
            permanent = 500 <= error.smtp_code < 600
            raise TransportError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}",
                permanent=permanent,
                status=error.smtp_code,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(f"SMTP: {type(error).__name__}: {error}") from error
        return None


class HttpTransport(Transport):
    """POST to the channel's URL; maps answers to success, retry (429, 408, 425, 5xx, network
    errors) or permanent failure (every other 4xx, an unsafe URL)."""

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        try:
            target = check_url(self.channel.target)
        except UnsafeURL as error:
            raise TransportError(f"unsafe webhook URL: {error}", permanent=True) from error
        except HostNotFound as error:
            raise TransportError(str(error)) from error
        status, data, reply_headers = self._send(target, body, headers)
        if 200 <= status < 300:
            return status
        message = f"HTTP {status}: {data[:300].decode('utf-8', 'replace')}"
        if status == 429:
            raise TransportError(
                message, status=status, retry_after=retry_after(data, reply_headers)
            )
        transient = status in (408, 425) or status >= 500
        raise TransportError(message, permanent=not transient, status=status)

    def _send(self, target: WebhookTarget, body: bytes, headers: dict[str, str]):
        host = f"[{target.host}]" if ":" in target.host else target.host
        default_port = 443 if target.scheme == "https" else 80
        headers = {
            **headers,
            "Host": host if target.port == default_port else f"{host}:{target.port}",
        }
        timeout = urllib3.Timeout(connect=5.0, read=settings.ALERTS_HTTP_TIMEOUT)
        last_error = None
        for address in target.addresses:
            pool = self._pool(target, address, timeout)
            try:
                response = pool.urlopen(
                    "POST",
                    target.path,
                    body=body,
                    headers=headers,
                    retries=False,
                    redirect=False,
                    preload_content=False,
                )
                data = response.read(MAX_RESPONSE_BYTES)
                response.release_conn()
                return response.status, data, response.headers
            except urllib3.exceptions.HTTPError as error:
                last_error = str(error).replace(target.path, "/…")
            finally:
                pool.close()
        raise TransportError(f"could not reach {target.host}: {last_error}")

    @staticmethod
    def _pool(target: WebhookTarget, address: str, timeout):
        if target.scheme == "http":
            return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1)
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=target.host,
            assert_hostname=target.host,
        )


def retry_after(body: bytes, headers) -> float | None:
    """Seconds to wait after a 429: the larger of Discord's JSON `retry_after` (seconds, may be
    fractional) and the Retry-After header (seconds)."""
    waits = []
    try:
        value = json.loads(body).get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool):
            waits.append(float(value))
    except (ValueError, AttributeError):
        pass
    with contextlib.suppress(TypeError, ValueError):
        waits.append(float(headers.get("Retry-After")))
    return max(waits) if waits else None


class DiscordTransport(HttpTransport):
    def notify(self, notification: Notification) -> int | None:
        body = json.dumps(discord_payload(notification)).encode()
        return self.post(
            body, {"Content-Type": "application/json", "User-Agent": "towerwatch-alerts"}
        )


def discord_payload(notification: Notification) -> dict:
    event = notification.event
    embed = {
        "title": notification.subject,
        "description": notification.markdown,
        "url": notification.link,
        "color": notification.colour,
        "timestamp": event.at.isoformat(),
        "footer": {"text": f"towerwatch · {event.get_kind_display()} · {event.severity}"},
    }
    return {
        "username": "towerwatch",
        "allowed_mentions": {"parse": []},  # member names are chain data: never ping anyone
        "embeds": fit_embeds([embed]),
    }


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit_embeds(embeds: list[dict]) -> list[dict]:
    """Embeds cut to Discord's limits: per-field lengths, 10 embeds, 6000 characters in all
    (later descriptions give way first; an embed that no longer fits is dropped)."""
    limits, budget, fitted = DISCORD_LIMITS, DISCORD_LIMITS["total"], []
    for embed in embeds[: limits["embeds"]]:
        embed = dict(embed)
        embed["title"] = truncate(embed.get("title", ""), limits["title"])
        embed["fields"] = [
            {
                **f,
                "name": truncate(f["name"], limits["field_name"]),
                "value": truncate(f["value"], limits["field_value"]),
            }
            for f in embed.get("fields", [])[: limits["fields"]]
        ]
        if "footer" in embed:
            embed["footer"] = {"text": truncate(embed["footer"]["text"], limits["footer"])}
        fixed = (
            len(embed["title"])
            + len(embed.get("footer", {}).get("text", ""))
            + sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
        )
        room = min(limits["description"], budget - fixed)
        if room < 1:
            break
        embed["description"] = truncate(embed.get("description", ""), room)
        budget -= fixed + len(embed["description"])
        fitted.append(embed)
    return fitted


class WebhookTransport(HttpTransport):
    def notify(self, notification: Notification) -> int | None:
        event = notification.event
        body = json.dumps(webhook_payload(notification), sort_keys=True).encode()
        timestamp = int(time.time())
        return self.post(
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "towerwatch-alerts",
                "X-Towerwatch-Event": f"alert.{event.kind}",
                "X-Towerwatch-Delivery": str(notification.delivery.uuid),
                "X-Towerwatch-Signature": sign(self.channel.secret, timestamp, body),
            },
        )


def webhook_payload(notification: Notification) -> dict:
    event, alert = notification.event, notification.event.alert
    return {
        "event": f"alert.{event.kind}",
        "delivery": str(notification.delivery.uuid),
        "at": event.at.isoformat(),
        "alert": None
        if alert is None
        else {
            "id": alert.id,
            "network": alert.network,
            "rule": alert.rule,
            "key": alert.key,
            "severity": alert.severity,
            "status": alert.status,
            "opened_at": alert.opened_at.isoformat(),
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        },
        "severity": event.severity,
        "title": event.title,
        "message": event.message,
        "details": event.details,
        "text": notification.text,
        "url": notification.link,
    }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: recompute over the raw body, compare in constant time, and refuse
    a timestamp outside the tolerance (a replay)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


TRANSPORTS: dict[str, type[Transport]] = {
    Channel.Kind.EMAIL: EmailTransport,
    Channel.Kind.DISCORD: DiscordTransport,
    Channel.Kind.WEBHOOK: WebhookTransport,
}
