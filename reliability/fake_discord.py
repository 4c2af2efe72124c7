"""A real HTTP server on 127.0.0.1, in a thread, that plays a Discord webhook.

It answers each POST with the next status of its `script` (then `then`, 204 by default). A 429
carries Discord's JSON body {"message", "retry_after" (seconds, fractional), "global"} and a
Retry-After header (whole seconds, rounded up), and opens a rate-limit window: a request that
comes back before the window ends gets 429 again and is counted in `early`. Payloads that break
Discord's size limits get 400 with code 50035, as Discord answers. Every request is recorded;
`accepted` holds the JSON bodies answered 2xx. It also serves as any JSON webhook receiver
(`requests` keep the raw body and the headers, for signature checks).
"""

import json
import math
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from votes.devnet.loopback_server import LoopbackServer

LIMITS = {"title": 256, "description": 4096, "embeds": 10, "total": 6000, "content": 2000}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    status: int
    at: float

    @property
    def body(self):
        return json.loads(self.raw)


def limit_errors(payload: dict) -> list[str]:
    """What Discord would reject in a webhook payload, by its documented limits."""
    errors = []
    embeds = payload.get("embeds", [])
    if len(payload.get("content", "")) > LIMITS["content"]:
        errors.append("content longer than 2000")
    if len(embeds) > LIMITS["embeds"]:
        errors.append("more than 10 embeds")
    total = 0
    for embed in embeds:
        for name in ("title", "description"):
            if len(embed.get(name, "")) > LIMITS[name]:
                errors.append(f"embed {name} longer than {LIMITS[name]}")
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += len(embed.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    if total > LIMITS["total"]:
        errors.append("embeds longer than 6000 characters in all")
    return errors


class FakeDiscord(LoopbackServer):
    def __init__(self, script=(429, 204), then: int = 204, retry_after: float = 0.25):
        self.script, self.then, self.retry_after = list(script), then, retry_after
        self.requests: list[Received] = []
        self.early = 0
        self.limited_until = 0.0
        self._lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/webhooks/1234567890/s3cret-webhook-token"

    @property
    def accepted(self) -> list:
        return [r.body for r in self.requests if 200 <= r.status < 300]

    def answer(self, raw: bytes) -> tuple[int, dict, bytes]:
        with self._lock:
            now = time.monotonic()
            if now < self.limited_until:
                self.early += 1
                return self._rate_limited(self.limited_until - now)
            status = self.script.pop(0) if self.script else self.then
            if status == 429:
                self.limited_until = now + self.retry_after
                return self._rate_limited(self.retry_after)
        try:
            errors = limit_errors(json.loads(raw))
        except (ValueError, AttributeError, TypeError):
            errors = ["body is not a JSON object"]
        if errors and 200 <= status < 300:
            body = {"code": 50035, "message": "Invalid Form Body", "errors": errors}
            return 400, {"Content-Type": "application/json"}, json.dumps(body).encode()
        return status, {}, b""

    @staticmethod
    def _rate_limited(wait: float) -> tuple[int, dict, bytes]:
        body = {"message": "You are being rate limited.", "retry_after": wait, "global": False}
        headers = {"Content-Type": "application/json", "Retry-After": str(math.ceil(wait))}
        return 429, headers, json.dumps(body).encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, headers, body = fake.answer(raw)
                fake.requests.append(
                    Received(self.path, dict(self.headers), raw, status, time.monotonic())
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
