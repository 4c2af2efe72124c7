"""anvil is stopped before its in-memory archive exhausts the machine, and the run ends with a
message that says so, not with the OOM killer: a real process over its limit is killed, and a
simulation whose anvil is over its limit fails in one line."""

import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from votes.devnet.anvil_memory import GIB, MemoryWatch, resident_bytes

HOLD_64_MB = "x = bytearray(64 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); " \
             "import time; time.sleep(60)"  # fmt: skip


def test_a_process_over_its_limit_is_killed_and_the_reason_kept():
    process = subprocess.Popen([sys.executable, "-c", HOLD_64_MB])
    try:
        watch = MemoryWatch(process.pid, 32 * 1024 * 1024, process.kill, poll=0.1).start()
        assert process.wait(timeout=30) != 0
        assert "over its limit of 0.0 GB" in watch.exceeded
        assert "Simulate fewer days" in watch.exceeded
    finally:
        process.kill()
        process.wait()


def test_a_process_within_its_limit_is_left_alone():
    process = subprocess.Popen([sys.executable, "-c", HOLD_64_MB])
    try:
        watch = MemoryWatch(process.pid, 4 * GIB, process.kill, poll=0.1).start()
        time.sleep(1)
        assert process.poll() is None and watch.exceeded is None
        assert resident_bytes(process.pid) > 60 * 1024 * 1024
        watch.close()
    finally:
        process.kill()
        process.wait()


@pytest.mark.chain
def test_a_simulation_whose_anvil_outgrows_its_limit_fails_with_the_reason(monkeypatch):
    monkeypatch.setenv("ANVIL_MEMORY_LIMIT_GB", "0.001")  # 1 MB: over it at the first look
    with pytest.raises(CommandError, match="anvil was stopped holding .* GB, over its limit"):
        call_command("simulate", "--days", "1", "--members", "4")
