"""The HTTP server every fault injector runs (a faulty node, a faulty beacon, a fake Discord):
on a free 127.0.0.1 port, serving from a daemon thread while used as a context manager."""

import threading
from http.server import ThreadingHTTPServer


class LoopbackServer:
    def __init__(self, handler_class):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
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
