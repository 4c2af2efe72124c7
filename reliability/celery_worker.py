"""A real Celery worker (`celery -A towerwatch worker`) in a subprocess, for the fault tests and
the reliability bench. It listens on a queue of its own, so it takes nothing from (and gives
nothing to) another worker on the same Redis; it is watched through its log and stopped by its
PID: a warm shutdown, or SIGKILL for the crash scenarios.

Waits never bet on the machine's speed. They last while the worker is alive and has not yet
done what is awaited, and fail at once, with its log, if it dies. PATIENCE is there only so that
a hung worker cannot hang the run; a slow machine (worker start-up under load takes tens of
seconds) stays far below it.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings

PATIENCE = 900.0  # seconds: what a stuck worker runs into, never a working one
POLL_SECONDS = 0.1
SUCCEEDED = re.compile(r"Task (?P<task>[\w.]+)\[[^\]]+\] succeeded in [\d.e-]+s: (?P<result>.*)$")
T = TypeVar("T")


class WorkerFailed(AssertionError):
    """The worker died, or never did what was awaited; the message carries its log."""


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    name: str

    def lines(self) -> list[str]:
        """The complete lines of its log: a line still being written waits for the next look."""
        return self.log.read_text(errors="replace").split("\n")[:-1]

    def results(self, task: str) -> list[str]:
        """What each finished run of `task` returned, as the worker logged it (a repr)."""
        matches = (SUCCEEDED.search(line) for line in self.lines())
        return [m["result"] for m in matches if m and m["task"] == task]

    def wait_for(self, done: Callable[[], T], what: str) -> T:
        """done()'s first truthy value; WorkerFailed if the worker exits first."""
        deadline = time.monotonic() + PATIENCE
        while not (result := done()):
            if self.process.poll() is not None:
                self.fail(f"exited ({self.process.returncode}) before {what}")
            if time.monotonic() > deadline:
                self.fail(f"was alive but had not {what} after {PATIENCE:.0f} s")
            time.sleep(POLL_SECONDS)
        return result

    def wait_until_ready(self) -> None:
        self.wait_for(lambda: any(line.endswith(" ready.") for line in self.lines()), "got ready")

    def fail(self, how: str) -> None:
        raise WorkerFailed(f"worker {self.name} {how}; its log:\n{self.log.read_text()[-6000:]}")

    def kill(self) -> int:
        """SIGKILL, as the OOM killer or a lost machine would; the exit status it died with."""
        os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait()

    def stop(self) -> None:
        """Warm shutdown (the task in hand finishes); SIGKILL if it does not come."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()


def start_worker(queue: str, folder: Path, env: dict[str, str], name: str = "worker") -> Worker:
    """A solo-pool worker on `queue`, with `env` (REDIS_URL names the broker, DATABASE_URL the
    database: see reliability/processes.py), logging to folder/<name>.log."""
    command = [
        sys.executable, "-m", "celery", "-A", "towerwatch", "worker", "--pool", "solo",
        "--queues", queue, "--hostname", f"{name}-{queue}@%h", "--without-gossip",
        "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    log = folder / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=output
        )
    return Worker(process, log, name)


@contextmanager
def running_worker(queue: str, folder: Path, env: dict[str, str],
                   name: str = "worker") -> Iterator[Worker]:  # fmt: skip
    worker = start_worker(queue, folder, env, name)
    try:
        yield worker
    finally:
        worker.stop()
