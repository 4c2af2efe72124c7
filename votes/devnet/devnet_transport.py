"""A lean JSON-RPC transport for the devnet's own node: one persistent HTTP connection to anvil
on 127.0.0.1, each request sent in a single write.

The simulator talks to anvil tens of thousands of times a simulated year, one request after the
other. Through `requests` each round trip cost 4-25 ms on the 2-core machine, most of it not
anvil's work: the library writes headers and body separately, and Nagle's algorithm holds the
body back until the peer's delayed ACK of the headers. Here one kept-alive connection has
TCP_NODELAY set and each request goes out in a single write, so nothing waits for an ACK, and a
round trip costs what anvil takes (under 1 ms).
The answers are the node's, unchanged, so nothing the simulator sends or mines differs.
"""

import http.client
import select
import socket
import threading
from urllib.parse import urlsplit

from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse


class DevnetTransportError(ConnectionError):
    """The devnet's node did not answer over HTTP (gone, or an HTTP error status)."""


class DevnetProvider(JSONBaseProvider):
    """A web3 provider for a local node over plain HTTP; thread-safe (one request at a time)."""

    def __init__(self, url: str, timeout: float = 30.0):
        super().__init__()
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"the devnet transport speaks plain http, not {url}")
        self.endpoint_uri = url
        self._address = (parts.hostname, parts.port or 80)
        self._path = parts.path or "/"
        self._timeout = timeout
        self._host = parts.netloc
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def make_request(self, method: RPCEndpoint, params) -> RPCResponse:
        return self.decode_rpc_response(self._post(self.encode_rpc_request(method, params)))

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, object]]) -> list[RPCResponse]:
        """The answers in the order of `requests` (a node may answer a batch in any order)."""
        answers = self.decode_rpc_response(self._post(self.encode_batch_rpc_request(requests)))
        if not isinstance(answers, list):  # the node refused the batch as a whole
            return answers
        return sorted(answers, key=lambda answer: answer["id"])

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            return "result" in self.make_request(RPCEndpoint("web3_clientVersion"), [])
        except DevnetTransportError:
            if show_traceback:
                raise
            return False

    def _post(self, body: bytes) -> bytes:
        """One POST, never repeated: a request that may have reached the node (a transaction,
        a mined block) must not be sent twice."""
        with self._lock:
            try:
                return self._exchange(body)
            except (http.client.HTTPException, OSError) as error:
                self._close()
                raise DevnetTransportError(f"{self.endpoint_uri}: {error!r}") from error

    def _exchange(self, body: bytes) -> bytes:
        """Headers and body in one write: two writes wake anvil twice, and on a loaded machine
        each wake-up can cost this process its turn on the CPU."""
        sock = self._open_socket()
        head = f"POST {self._path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Type: application/json"
        sock.sendall(f"{head}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        response = http.client.HTTPResponse(sock, method="POST")
        response.begin()
        payload = response.read()
        if response.will_close:
            self._close()
        if response.status != 200:
            raise DevnetTransportError(f"{self.endpoint_uri}: HTTP {response.status}")
        return payload

    def _open_socket(self) -> socket.socket:
        """The kept-alive connection, or a new one if the node closed it while idle (an idle
        socket that reads as ready has only the peer's close to deliver)."""
        if self._socket is not None:
            idle_closed, _, _ = select.select([self._socket], [], [], 0)
            if not idle_closed:
                return self._socket
            self._close()
        self._socket = socket.create_connection(self._address, timeout=self._timeout)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._socket

    def _close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
