"""JSON-RPC to an Ethereum node: retries with backoff, 429 handling, batches, adaptive log ranges.

This is the only module that talks to the node for the indexer; it knows nothing of storage.
Errors come out as RpcError with what was asked and what went wrong, because "the node is
unreachable" and "the node refused this range" need different reactions.
"""

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

log = logging.getLogger(__name__)
RETRYABLE_HTTP = {429, 500, 502, 503, 504}


class RpcError(Exception):
    """A request that failed for good (after retries), or that the node refused."""

    def __init__(self, message: str, *, code: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class ChainClient:
    def __init__(self, url: str, *, timeout: float = 30.0, max_attempts: int = 6,
                 backoff: float = 0.25, max_backoff: float = 8.0, batch_size: int = 100,
                 sleep: Callable[[float], None] = time.sleep):  # fmt: skip
        self.url = url
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.batch_size = batch_size  # calls per JSON-RPC batch: some nodes refuse more than 100
        self._sessions = threading.local()  # a connection per thread: batches may go in parallel
        self._count_lock = threading.Lock()
        self.ids = itertools.count(1)
        self.retries = 0
        self.http_requests = 0  # round trips, the unit that latency multiplies
        self.calls = 0  # JSON-RPC calls, batched or not

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._sessions, "session"):
            self._sessions.session = requests.Session()
        return self._sessions.session

    def _count(self, requests_: int = 0, retries: int = 0, calls: int = 0) -> None:
        with self._count_lock:
            self.http_requests += requests_
            self.retries += retries
            self.calls += calls

    def _post(self, body) -> object:
        """POST with retries on transport errors, timeouts, 429 and 5xx; honours Retry-After."""
        self._count(calls=len(body) if isinstance(body, list) else 1)
        for attempt in range(1, self.max_attempts + 1):
            self._count(requests_=1)
            try:
                response = self.session.post(self.url, json=body, timeout=self.timeout)
            except requests.RequestException as error:
                failure, wait = f"{type(error).__name__}: {error}", None
            else:
                if response.status_code == 200:
                    return response.json()
                failure = f"HTTP {response.status_code}"
                if response.status_code not in RETRYABLE_HTTP:
                    raise RpcError(f"{self.url} answered {failure}", code=response.status_code)
                wait = _retry_after(response)
            if attempt == self.max_attempts:
                break
            delay = wait if wait is not None else min(self.max_backoff, self.backoff * 2**attempt)
            self._count(retries=1)
            log.warning("RPC %s failed (%s); retry %d in %.2f s", self.url, failure, attempt, delay)
            self.sleep(delay)
        raise RpcError(f"{self.url} unreachable after {self.max_attempts} attempts: {failure}",
                       retryable=True)  # fmt: skip

    def call(self, method: str, params: list):
        reply = self._post({"jsonrpc": "2.0", "id": next(self.ids), "method": method,
                            "params": params})  # fmt: skip
        return _result(method, reply)

    def batch(self, method: str, params_list: list[list], chunk: int | None = None,
              parallel: int = 1) -> list:  # fmt: skip
        """The same method for many parameter lists, in JSON-RPC batches of `chunk`."""
        calls = [(method, params) for params in params_list]
        return self.batch_calls(calls, chunk, parallel=parallel)

    def batch_calls(self, calls: list[tuple[str, list]], chunk: int | None = None, *,
                    return_errors: bool = False, parallel: int = 1) -> list:  # fmt: skip
        """Any mix of (method, params) in JSON-RPC batches of `chunk` (the client's
        `batch_size` by default), answers in call order. With `return_errors`, a call the node
        answered with an error gives that RpcError in its place instead of raising it. Up to
        `parallel` batches are in flight at once (a node answers them on several cores)."""
        chunk = chunk or self.batch_size
        parts = [calls[start : start + chunk] for start in range(0, len(calls), chunk)]
        if parallel > 1 and len(parts) > 1:
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                answers = list(pool.map(self._batch_part, parts))
        else:
            answers = [self._batch_part(part) for part in parts]
        results = []
        for part, replies in zip(parts, answers, strict=True):
            for (method, _), reply in zip(part, replies, strict=True):
                results.append(_outcome(method, reply) if return_errors else _result(method, reply))
        return results

    def _batch_part(self, part: list[tuple[str, list]]) -> list[dict]:
        """The node's replies to one batch, in the order of its calls."""
        ids = [next(self.ids) for _ in part]
        body = [{"jsonrpc": "2.0", "id": i, "method": method, "params": params}
                for i, (method, params) in zip(ids, part, strict=True)]  # fmt: skip
        replies = self._post(body)
        if not isinstance(replies, list):
            methods = ",".join(sorted({method for method, _ in part}))
            raise RpcError(f"batch {methods}: node did not answer with a batch: {replies!r:.200}")
        by_id = {reply.get("id"): reply for reply in replies}
        return [by_id.get(i, {"error": {"message": "missing"}}) for i in ids]

    def view(self, to: str, signature: str, args=(), returns=("uint256",),
             block: int | str = "latest") -> tuple:  # fmt: skip
        """Call a view function, e.g. view(dao, "getMemberAt(uint256)", [3], ("address",)).

        Node errors raise RpcError; an answer that doesn't decode raises eth_abi's error."""
        params = [{"to": to, "data": encode_call(signature, args)},
                  block if isinstance(block, str) else hex(block)]  # fmt: skip
        raw = self.call("eth_call", params)
        return abi_decode(list(returns), bytes.fromhex(raw[2:]))

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber", []), 16)

    def get_block(self, number: int) -> dict:
        block = self.call("eth_getBlockByNumber", [hex(number), False])
        if block is None:
            raise RpcError(f"block {number} not found")
        return block

    def get_logs(self, from_block: int, to_block: int, addresses: list[str] | None,
                 topics: list) -> list[dict]:  # fmt: skip
        return self.call("eth_getLogs", [log_filter(from_block, to_block, addresses, topics)])


class LogRangeWalker:
    """eth_getLogs over a long span in ranges that shrink when the node refuses one and grow
    back after successes; a one-block range that still fails is a real error, and so is a node
    that could not be reached after all the client's retries (a smaller range won't help)."""

    def __init__(self, client: ChainClient, max_range: int):
        self.client = client
        self.max_range = max_range
        self.range = max_range
        self.splits = 0

    def fetch(self, from_block: int, to_block: int, addresses, topics) -> list[dict]:
        logs, start = [], from_block
        while start <= to_block:
            end = min(to_block, start + self.range - 1)
            try:
                logs += self.client.get_logs(start, end, addresses, topics)
            except RpcError as error:
                if end == start or error.retryable or error.code in (401, 403):
                    raise
                self.range = max(1, (end - start + 1) // 2)
                self.splits += 1
                log.warning("node refused blocks %d-%d (%s); range now %d", start, end, error,
                            self.range)  # fmt: skip
                continue
            start = end + 1
            self.range = min(self.max_range, self.range * 2)
        return logs

    def fetch_all(self, from_block: int, to_block: int, queries: list[tuple]) -> list[list[dict]]:
        """The logs of each (addresses, topics) query over the span. A span of one range asks
        each query alone, as `fetch` does; a longer one asks every (query, range) pair in
        JSON-RPC batches, and a range the node refuses is read again by `fetch`, which halves
        it until the node accepts."""
        pieces = [(start, min(to_block, start + self.range - 1))
                  for start in range(from_block, to_block + 1, self.range)]  # fmt: skip
        if len(pieces) == 1:
            return [self.fetch(from_block, to_block, *query) for query in queries]
        asked = [(index, piece) for index in range(len(queries)) for piece in pieces]
        calls = [("eth_getLogs", [log_filter(*piece, *queries[index])]) for index, piece in asked]
        found: list[list[dict]] = [[] for _ in queries]
        for (index, piece), answer in zip(
            asked, self.client.batch_calls(calls, return_errors=True), strict=True
        ):
            if isinstance(answer, RpcError):
                if answer.code in (401, 403):
                    raise answer
                answer = self.fetch(*piece, *queries[index])
            found[index] += answer
        return found


def log_filter(from_block: int, to_block: int, addresses: list[str] | None, topics: list) -> dict:
    query = {"fromBlock": hex(from_block), "toBlock": hex(to_block), "topics": topics}
    if addresses is not None:
        query["address"] = addresses
    return query


def encode_call(signature: str, args=()) -> str:
    """0x calldata for `signature` ("name(type,type)") with `args`."""
    types = signature[signature.index("(") + 1 : -1]
    encoded = abi_encode(types.split(","), list(args)) if types else b""
    return "0x" + (function_signature_to_4byte_selector(signature) + encoded).hex()


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(60.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _outcome(method: str, reply: dict):
    """The result of one call, or the RpcError the node answered it with."""
    try:
        return _result(method, reply)
    except RpcError as error:
        return error


def _result(method: str, reply: dict):
    if "error" in reply and reply["error"] is not None:
        error = reply["error"]
        raise RpcError(f"{method}: {error.get('message', error)}", code=error.get("code"))
    return reply.get("result")
