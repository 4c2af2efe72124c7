"""A misbehaving Ethereum node for the fault tests and the reliability bench: a real HTTP proxy
on 127.0.0.1 in front of anvil.

It forwards JSON-RPC untouched, except where told to misbehave the way public providers do:
refuse eth_getLogs ranges over N blocks with a JSON-RPC error, answer 429 with Retry-After,
answer 5xx, stall past the client's timeout, corrupt the data of chosen logs, or go away.
Scheduled faults are consumed in order by the requests they match; everything that happened is
recorded, so a test can say what the indexer had to survive.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

import requests

from votes.devnet.loopback_server import LoopbackServer

RANGE_ERROR_CODE = -32005  # what Infura-style providers answer for an oversized eth_getLogs


@dataclass
class Fault:
    """Answer `times` matching requests with an HTTP `status` (and Retry-After), or stall."""

    times: int
    status: int | None = None
    retry_after: str | None = None
    stall_seconds: float = 0.0
    method: str | None = None
    where: Callable[[dict], bool] | None = None

    def matches(self, calls: list[dict]) -> bool:
        return any(
            (self.method is None or call.get("method") == self.method)
            and (self.where is None or self.where(call))
            for call in calls
        )


class FaultyNode(LoopbackServer):
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.max_log_range: int | None = None
        self.corrupt_log: Callable[[dict], bool] | None = None
        self.after_forward: Callable[[str], None] | None = None  # called with the method
        self.faults: list[Fault] = []
        self.served: list[tuple[str, int | str]] = []  # (method, HTTP status or "stalled")
        self.refused_ranges: list[tuple[int, int]] = []
        self.accepted_ranges: list[tuple[int, int]] = []
        self.corrupted: list[dict] = []
        self.gone = False
        self._lock = threading.Lock()
        self._sessions = threading.local()
        super().__init__(_handler_for(self))

    @property
    def url(self) -> str:
        return self.base_url

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """Go away for good: open connections are dropped, new ones refused."""
        self.gone = True
        self.close()

    # --- what to do wrong ----------------------------------------------------------------------
    def fail_next(
        self,
        times: int = 1,
        *,
        status: int | None = None,
        retry_after: str | None = None,
        stall_seconds: float = 0.0,
        method: str | None = None,
        where: Callable[[dict], bool] | None = None,
    ) -> None:
        self.faults.append(Fault(times, status, retry_after, stall_seconds, method, where))

    def statuses(self, method: str) -> list[int | str]:
        return [status for served_method, status in self.served if served_method == method]

    # --- serving -------------------------------------------------------------------------------
    def _take_fault(self, calls: list[dict]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.matches(calls):
                    fault.times -= 1
                    return fault
        return None

    def _refusal(self, call: dict) -> dict | None:
        """A JSON-RPC error for an eth_getLogs range over the limit, as providers answer it."""
        if self.max_log_range is None or call.get("method") != "eth_getLogs":
            return None
        query = call["params"][0]
        first, last = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        if last - first + 1 <= self.max_log_range:
            self.accepted_ranges.append((first, last))
            return None
        self.refused_ranges.append((first, last))
        message = f"query exceeds max block range {self.max_log_range}"
        return {"jsonrpc": "2.0", "id": call.get("id"),
                "error": {"code": RANGE_ERROR_CODE, "message": message}}  # fmt: skip

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        if not hasattr(self._sessions, "session"):
            self._sessions.session = requests.Session()
        upstream = self._sessions.session.post(
            self.upstream, data=body, timeout=30, headers={"Content-Type": "application/json"}
        )
        return upstream.status_code, upstream.content

    def _corrupt(self, calls: list[dict], content: bytes) -> bytes:
        """Cut the data of chosen logs to one word, so that they can no longer be decoded."""
        if self.corrupt_log is None or [c.get("method") for c in calls] != ["eth_getLogs"]:
            return content
        reply = json.loads(content)
        for entry in reply.get("result") or []:
            if self.corrupt_log(entry):
                entry["data"] = entry["data"][:66]
                self.corrupted.append(entry)
        return json.dumps(reply).encode()

    def answer(self, body: bytes) -> tuple[int, dict, bytes | None]:
        """(HTTP status, headers, body) for one POST; body None means hang up without answering."""
        parsed = json.loads(body)
        calls = parsed if isinstance(parsed, list) else [parsed]
        method = ",".join(sorted({str(c.get("method")) for c in calls}))
        fault = self._take_fault(calls)
        if fault is not None and fault.stall_seconds:
            self.served.append((method, "stalled"))
            time.sleep(fault.stall_seconds)
            return 0, {}, None
        if fault is not None:
            self.served.append((method, fault.status))
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return fault.status, headers, b"node says no"
        refusal = self._refusal(calls[0]) if not isinstance(parsed, list) else None
        if refusal is not None:
            self.served.append((method, 200))
            return 200, {"Content-Type": "application/json"}, json.dumps(refusal).encode()
        status, content = self._forward(body)
        self.served.append((method, status))
        if self.after_forward is not None:
            self.after_forward(method)
        return status, {"Content-Type": "application/json"}, self._corrupt(calls, content)


def _handler_for(node: FaultyNode):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # one write per answer: no Nagle / delayed-ACK stall on keep-alive

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if node.gone:
                self.close_connection = True
                return
            status, headers, content = node.answer(body)
            if content is None:
                self.close_connection = True
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            try:
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, *args) -> None:
            """Quiet: the node's own record (`served`) is what tests read."""

    return Handler
