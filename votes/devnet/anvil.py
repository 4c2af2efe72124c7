"""Start and stop the local anvil node that the project ships (npm @foundry-rs/anvil).

The process is tied to ours: a normal exit, an exception, Ctrl-C or even SIGKILL of the parent
leaves no anvil behind (Linux parent-death signal), because a devnet that outlives its owner
holds a port and confuses the next run.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings

from votes.devnet.anvil_memory import MemoryWatch, memory_limit

PR_SET_PDEATHSIG = 1
ANVIL_BINARY_CANDIDATES = (
    "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil",
    "node_modules/@foundry-rs/anvil-linux-arm64/bin/anvil",
)
DEVNET_CHAIN_ID = 31337
ARCHIVE_STATES = 1_000_000


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


def _owner_alive(home: Path) -> bool:
    """Whether the process that started the anvil of this home (its name's prefix) still runs."""
    try:
        os.kill(int(home.name.split("-")[0]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def anvil_home() -> Path:
    """A HOME of its own for one anvil. Anvil writes the historical states it keeps (all of them
    here: an archive node) under $HOME/.foundry/anvil/tmp, hundreds of MB to GBs per devnet, and
    deletes them only on a clean exit: killed with its parent it leaves them, and a day of test
    runs filled the disk. So each anvil's home is removed at stop, and homes whose owner process
    is gone are swept before a new one starts."""
    root = Path(settings.VAR_DIR) / "anvil"
    root.mkdir(parents=True, exist_ok=True)
    for home in root.iterdir():
        if not _owner_alive(home):
            shutil.rmtree(home, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))


class Anvil:
    """A running anvil on 127.0.0.1; use as a context manager or call stop()."""

    def __init__(self, port: int | None = None, genesis_timestamp: int | None = None):
        self.home = anvil_home()
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
            # Every historical state, in memory: an archive node. Not on disk: anvil writes each
            # persisted state whole, and the real protocol's state is megabytes (tens of GB a
            # simulated month); in memory the states share their unchanged parts.
            "--prune-history", str(ARCHIVE_STATES),
            "--silent",
        ]  # fmt: skip
        if genesis_timestamp is not None:
            args += ["--timestamp", str(genesis_timestamp)]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent,
            env={**os.environ, "HOME": str(self.home)},
        )  # fmt: skip
        self.memory = MemoryWatch(self.process.pid, memory_limit(), self.process.kill)
        self._wait_ready()
        self.memory.start()

    @property
    def out_of_memory(self) -> str | None:
        """Why the memory watch stopped this anvil, if it did."""
        return self.memory.exceeded

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
        self.memory.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> "Anvil":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
