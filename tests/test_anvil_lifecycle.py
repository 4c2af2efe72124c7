"""Killing `devnet` or `simulate` leaves no anvil behind (issue 2), and a polite stop is clean.

The commands run as real subprocesses; their anvil is found by scanning /proc for a child named
anvil, and its pid is recorded before the command is killed. A zombie (state Z) runs nothing and
holds no port, so it counts as gone: it waits for whoever adopted it to reap it.
"""

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT

pytestmark = pytest.mark.chain

START_TIMEOUT = 90
EXIT_TIMEOUT = 20


def proc_stat(pid: int) -> tuple[str, str, int] | None:
    """(command name, state, parent pid) of a live /proc entry, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    state, ppid = text[text.rindex(")") + 2 :].split()[:2]
    return name, state, int(ppid)


def anvil_children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat and stat[0] == "anvil" and stat[2] == parent:
                found.append(int(entry.name))
    return found


def poll(check, timeout: float, what: str):
    """The first truthy result of check(), or a failure naming what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"within {timeout} s: {what}")


def anvil_is_gone(pid: int) -> bool:
    stat = proc_stat(pid)
    return stat is None or stat[0] != "anvil" or stat[1] == "Z"


class Command:
    """A manage.py command in a subprocess, its output read line by line in a thread."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_line(self, prefix: str, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                break
            self.output.append(line)
            if line.startswith(prefix):
                return line
        pytest.fail(f"no line starting {prefix!r} within {timeout} s:\n{''.join(self.output)}")

    def anvil(self) -> int:
        (pid,) = poll(lambda: anvil_children(self.process.pid), START_TIMEOUT, "anvil started")
        return pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@pytest.fixture
def start_command(command_env):
    started: list[Command] = []

    def start(*args: str) -> Command:
        started.append(Command(list(args), command_env))
        return started[-1]

    yield start
    for command in started:
        command.stop()


def test_devnet_prints_its_rpc_url_and_storage_address(start_command):
    devnet = start_command("devnet")
    url = devnet.wait_for_line("RPC URL:").split(":", 1)[1].strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert re.fullmatch(
        r"RocketStorage: 0x[0-9a-fA-F]{40}\n", devnet.wait_for_line("RocketStorage:")
    )


def test_sigkill_of_devnet_leaves_no_anvil(start_command):
    devnet = start_command("devnet")
    devnet.wait_for_line("RPC URL:")
    anvil = devnet.anvil()
    devnet.process.send_signal(signal.SIGKILL)
    devnet.process.wait()
    poll(lambda: anvil_is_gone(anvil), EXIT_TIMEOUT, f"anvil {anvil} gone after SIGKILL")


def blocks_mined(anvil: int) -> int:
    """The block height of the anvil with this pid, read from the port in its command line."""
    arguments = Path(f"/proc/{anvil}/cmdline").read_bytes().split(b"\0")
    port = int(arguments[arguments.index(b"--port") + 1])
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
    try:
        return int(
            requests.post(f"http://127.0.0.1:{port}", json=body, timeout=2).json()["result"], 16
        )
    except requests.RequestException:
        return 0


def test_sigkill_of_simulate_mid_run_leaves_no_anvil(start_command):
    simulate = start_command("simulate", "--days", "30")
    anvil = simulate.anvil()
    # Well past the deployment and the members' joins: the simulation is voting.
    poll(lambda: blocks_mined(anvil) > 120, START_TIMEOUT, "simulation under way")
    assert simulate.process.poll() is None
    simulate.process.send_signal(signal.SIGKILL)
    simulate.process.wait()
    poll(lambda: anvil_is_gone(anvil), EXIT_TIMEOUT, f"anvil {anvil} gone after SIGKILL")


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_devnet_stops_cleanly_on_a_signal(start_command, signal_number):
    devnet = start_command("devnet")
    devnet.wait_for_line("RPC URL:")
    anvil = devnet.anvil()
    devnet.process.send_signal(signal_number)
    assert devnet.process.wait(timeout=EXIT_TIMEOUT) == 0
    assert proc_stat(anvil) is None  # stopped and reaped by the command itself
