"""Start and stop the local anvil node that the project ships (npm @foundry-rs/anvil).

The process is tied to ours: a normal exit, an exception, Ctrl-C or even SIGKILL of the parent
leaves no anvil behind (Linux parent-death signal), because a devnet that outlives its owner
holds a port and confuses the next run.
"""

import ctypes
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests
from django.conf import settings

PR_SET_PDEATHSIG = 1
ANVIL_BINARY_CANDIDATES = (
    "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil",
    "node_modules/@foundry-rs/anvil-linux-arm64/bin/anvil",
)
DEVNET_CHAIN_ID = 31337


def anvil_binary() -> Path:
    for candidate in ANVIL_BINARY_CANDIDATES:
        path = settings.BASE_DIR / candidate
        if path.exists():
            return path
    raise FileNotFoundError("anvil not found: run `npm ci` in the project root")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setsid()


class Anvil:
    """A running anvil on 127.0.0.1; use as a context manager or call stop()."""

    def __init__(self, port: int | None = None, genesis_timestamp: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            str(anvil_binary()),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(DEVNET_CHAIN_ID),
            "--accounts", "1",
            "--gas-limit", "100000000",
            "--code-size-limit", "100000",  # the real contracts are compiled without the optimizer
            "--max-persisted-states", "10000000",  # keep every historical state: an archive node
            "--silent",
        ]  # fmt: skip
        if genesis_timestamp is not None:
            args += ["--timestamp", str(genesis_timestamp)]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"anvil exited: {self.process.stderr.read().decode()}")
            try:
                requests.post(self.url, json=body, timeout=1).raise_for_status()
                return
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"anvil did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Anvil":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
