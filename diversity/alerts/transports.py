"""How a notification leaves towerwatch: one small class per kind of channel.

A notification is one delivery: the alert changes of one evaluation that one channel hears
(rendering.py). Discord gets one message with an embed per change, coloured by severity; email
one message with a plain-text and an HTML part; the JSON webhook one signed call listing them.
A quiet notification (only resolutions and de-escalations) is posted to Discord with the
"suppress notifications" flag, and mailed with low importance.

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
  X-Towerwatch-Event: the kinds of its events, e.g. alert.opened or alert.escalated,alert.resolved
The receiver recomputes the HMAC over the exact bytes it received, compares in constant time,
and rejects a timestamp more than 5 minutes from its clock (`verify_signature` does all three).
"""

import contextlib
import hashlib
import hmac
import json
import smtplib
import time

import certifi
import urllib3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from diversity.alerts.models import Channel
from diversity.alerts.rendering import Item, Notification
from diversity.alerts.urlsafety import HostNotFound, UnsafeURL, WebhookTarget, check_url

MAX_RESPONSE_BYTES = 64 * 1024
SIGNATURE_TOLERANCE_SECONDS = 300
SUPPRESS_NOTIFICATIONS = 1 << 12  # Discord message flag: delivered without a push or a ping
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
QUIET_MAIL_HEADERS = {"Importance": "low", "X-Priority": "5"}


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


class Transport:
    def __init__(self, channel: Channel):
        self.channel = channel

    def notify(self, notification: Notification) -> int | None:
        raise NotImplementedError


class EmailTransport(Transport):
    def notify(self, notification: Notification) -> int | None:
        headers = {
            "X-Towerwatch-Delivery": str(notification.delivery.uuid),
            "Auto-Submitted": "auto-generated",
            **(QUIET_MAIL_HEADERS if notification.quiet else {}),
        }
        message = EmailMultiAlternatives(
            notification.subject,
            notification.text,
            settings.DEFAULT_FROM_EMAIL,
            self.channel.emails,
            headers=headers,
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
    """One message: an embed per change, coloured by severity and linking to the alert's page.
    When Discord's limits (ten embeds, 6000 characters) cannot hold them all, the last embed
    that fits says how many more changes there are, and links to the alert history."""
    embeds = [_embed(item, notification.network) for item in notification.items]
    payload = {
        "username": truncate(f"towerwatch {notification.network}", DISCORD_LIMITS["username"]),
        "allowed_mentions": {"parse": []},  # member names are chain data: never ping anyone
        "embeds": _fitted(embeds, notification.history),
    }
    if notification.quiet:
        payload["flags"] = SUPPRESS_NOTIFICATIONS
    return payload


def _fitted(embeds: list[dict], history: str) -> list[dict]:
    shown = min(len(embeds), DISCORD_LIMITS["embeds"])
    while True:
        told = embeds[:shown]
        if shown < len(embeds):
            rest = len(embeds) - shown + 1
            told = embeds[: shown - 1] + [
                {
                    "title": f"… and {rest} more change{'s' if rest > 1 else ''}",
                    "description": "Every alert is in towerwatch.",
                    "url": history,
                }
            ]
        fitted = fit_embeds(told)
        if len(fitted) == len(told):
            return fitted
        shown = len(fitted)


def _embed(item: Item, network: str) -> dict:
    event = item.event
    return {
        "title": item.headline,
        "description": item.markdown,
        "url": item.link,
        "color": item.colour,
        "timestamp": event.at.isoformat(),
        "footer": {"text": f"towerwatch {network} · {event.get_kind_display()} · {event.severity}"},
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
        body = json.dumps(webhook_payload(notification), sort_keys=True).encode()
        kinds = dict.fromkeys(f"alert.{item.event.kind}" for item in notification.items)
        timestamp = int(time.time())
        return self.post(
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "towerwatch-alerts",
                "X-Towerwatch-Event": ",".join(kinds),
                "X-Towerwatch-Delivery": str(notification.delivery.uuid),
                "X-Towerwatch-Signature": sign(self.channel.secret, timestamp, body),
            },
        )


def webhook_payload(notification: Notification) -> dict:
    return {
        "delivery": str(notification.delivery.uuid),
        "network": notification.network,
        "quiet": notification.quiet,
        "events": [_webhook_event(item) for item in notification.items],
        "text": notification.text,
        "url": notification.link,
    }


def _webhook_event(item: Item) -> dict:
    event, alert = item.event, item.event.alert
    return {
        "event": f"alert.{event.kind}",
        "at": event.at.isoformat(),
        "severity": event.severity,
        "certainty": event.certainty,
        "previous_severity": event.previous_severity or None,
        "headline": item.headline,
        "title": event.title,
        "message": event.message,
        "details": event.details,
        "url": item.link,
        "alert": None
        if alert is None
        else {
            "id": alert.id,
            "network": alert.network,
            "rule": alert.rule,
            "key": alert.key,
            "severity": alert.severity,
            "certainty": alert.certainty,
            "status": alert.status,
            "opened_at": alert.opened_at.isoformat(),
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        },
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
