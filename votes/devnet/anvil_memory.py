"""A watch on anvil's memory, so that a long simulation ends with a message instead of the OOM
killer.

The devnet's anvil keeps every past state in memory (the indexer reads old state), and the real
protocol's states grow with the history: about 1 MB a block at first, 2 MB later; a simulated
year needs more than a 24 GB machine has. Left alone, the kernel's OOM killer ends it after the
machine has thrashed, and it may pick another victim first (PostgreSQL, another test run). So
anvil is stopped here once it holds more than its share, and whoever used it is told why.
"""

import os
import threading
from pathlib import Path

GIB = 1024**3
DEFAULT_SHARE = 0.6  # of the machine's memory; ANVIL_MEMORY_LIMIT_GB overrides
POLL_SECONDS = 1.0


class DevnetOutOfMemory(RuntimeError):
    """anvil was stopped because its in-memory archive outgrew the limit."""


def resident_bytes(pid: int) -> int | None:
    """The process's resident memory (Linux /proc), or None where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def memory_limit() -> int | None:
    """Bytes anvil may hold: ANVIL_MEMORY_LIMIT_GB, else a share of the machine's memory."""
    configured = os.environ.get("ANVIL_MEMORY_LIMIT_GB")
    if configured:
        return int(float(configured) * GIB)
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return int(pages * page_size * DEFAULT_SHARE)


class MemoryWatch:
    """Polls a process's resident memory on a daemon thread; past `limit`, calls `stop` once and
    keeps the reason in `exceeded`."""

    def __init__(self, pid: int, limit: int | None, stop, poll: float = POLL_SECONDS):
        self.pid, self.limit, self.stop_process, self.poll = pid, limit, stop, poll
        self.exceeded: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="anvil-memory", daemon=True)

    def start(self) -> "MemoryWatch":
        if self.limit is not None:
            self._thread.start()
        return self

    def close(self) -> None:
        self._done.set()

    def _watch(self) -> None:
        while not self._done.wait(self.poll):
            held = resident_bytes(self.pid)
            if held is None:
                return  # the process is gone (or this is no Linux): nothing left to watch
            if held > self.limit:
                self.exceeded = (
                    f"anvil was stopped holding {held / GIB:.1f} GB, over its limit of "
                    f"{self.limit / GIB:.1f} GB: it keeps every past state of the devnet in "
                    "memory, and this history outgrew the machine. Simulate fewer days (about "
                    "90 fit in 5 GB), or raise ANVIL_MEMORY_LIMIT_GB on a larger machine."
                )
                self.stop_process()
                return
