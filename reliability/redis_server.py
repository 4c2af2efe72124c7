"""A redis-server of the scenario's own, on a free port, that can be SIGKILLed and started again:
Redis going down for real (its queues lost with it: no persistence, as a cache-only Redis is
often run) without touching the Redis that other processes share."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import redis

START_SECONDS = 60.0  # for redis-server to answer PING; it starts in milliseconds when idle


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.kills = 0
        self._folder = tempfile.mkdtemp(prefix="towerwatch-redis-")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self._folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_for_ping()

    def kill(self) -> None:
        """SIGKILL by PID: no shutdown, nothing saved, every queue in it gone."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_for_ping(self) -> None:
        client = redis.Redis.from_url(self.url(), socket_timeout=1)
        deadline = time.monotonic() + START_SECONDS
        try:
            while not self._answers(client):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not start")
                time.sleep(0.05)
        finally:
            client.close()

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False
