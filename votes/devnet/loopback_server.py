"""The HTTP server behind the devnet's beacon-API server and every fault injector (a faulty node,
a faulty beacon, a fake Discord): on 127.0.0.1 (a free port unless told one), serving from a
daemon thread from `start()` or entering it as a context manager until `close()`."""

import threading
from http.server import ThreadingHTTPServer


class LoopbackServer:
    def __init__(self, handler_class, port: int = 0, name: str = "loopback-http"):
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler_class)
        self._name = name
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        """Serve from a daemon thread; returns the base URL."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=self._name, daemon=True
        )
        self._thread.start()
        return self.base_url

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: open connections are dropped, new ones refused."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()
