"""A misbehaving beacon node for tests: a real HTTP proxy on 127.0.0.1 in front of the devnet's
beacon-API server. It forwards GETs untouched unless told to stall before answering, trickle
the body slowly, answer with another status, or rewrite the body (garbage or altered JSON)."""

import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import requests

from votes.devnet.loopback_server import LoopbackServer


class FaultyBeacon(LoopbackServer):
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.stall_seconds = 0.0
        self.trickle_seconds = 0.0  # pause between body bytes
        self.status: int | None = None
        self.rewrite: Callable[[bytes], bytes] | None = None
        self.requests: list[str] = []
        super().__init__(_handler_for(self))

    @property
    def url(self) -> str:
        return self.base_url


def _handler_for(proxy: FaultyBeacon):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            proxy.requests.append(self.path)
            upstream = requests.get(proxy.upstream + self.path, timeout=10)
            body = proxy.rewrite(upstream.content) if proxy.rewrite else upstream.content
            time.sleep(proxy.stall_seconds)
            self.send_response(proxy.status or upstream.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = 64 if proxy.trickle_seconds else max(len(body), 1)
            try:
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    self.wfile.flush()
                    time.sleep(proxy.trickle_seconds)
            except OSError:  # the client gave up: that is the point of the test
                pass

        def log_message(self, *args):
            pass

    return Handler
