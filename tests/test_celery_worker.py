"""A real Celery worker, started as `celery -A towerwatch worker`, answers over the real Redis.

The worker listens on a queue of its own in Redis database 15, so it takes nothing from (and
gives nothing to) a developer's worker on the default database. It runs the `ping` task against
the test database, so the answer also proves it reached the database.
"""

import os
import subprocess
import sys
import uuid

import pytest
from celery import Celery
from django.db import connection

from tests.conftest import ROOT

BROKER_URL = "redis://127.0.0.1:6379/15"
ANSWER_TIMEOUT = 60


def worker_database_url(tmp_path) -> str:
    """The test database, or a SQLite file of the worker's own when the test database is in
    this process's memory (which another process cannot open)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        host = db["HOST"] or "127.0.0.1"
        port = db["PORT"] or 5432
        return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"
    if connection.is_in_memory_db():
        return f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def worker_queue(django_db_setup, tmp_path):
    """Start a worker on a fresh queue; stop it (warm shutdown) after the test."""
    queue = f"towerwatch-test-{uuid.uuid4().hex}"
    env = {**os.environ, "REDIS_URL": BROKER_URL, "DATABASE_URL": worker_database_url(tmp_path)}
    log = tmp_path / "worker.log"
    command = [
        sys.executable, "-m", "celery", "-A", "towerwatch", "worker",
        "--pool", "solo", "--concurrency", "1", "--queues", queue, "--hostname", f"{queue}@%h",
        "--include", "towerwatch.tasks",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    with log.open("w") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        yield queue, log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.fixture
def client():
    app = Celery("towerwatch-test-client", broker=BROKER_URL, backend=BROKER_URL)
    yield app
    app.close()


@pytest.mark.redis
@pytest.mark.django_db  # so that the test database exists for the worker to open
def test_a_real_worker_answers_ping(worker_queue, client):
    queue, log = worker_queue
    result = client.send_task("towerwatch.tasks.ping", queue=queue)
    try:
        answer = result.get(timeout=ANSWER_TIMEOUT)
    except Exception as error:
        pytest.fail(f"no answer from the worker ({error!r}); its log:\n{log.read_text()}")
    result.forget()
    assert answer == {"pong": True, "database": 1}
