"""A real Celery worker, started as `celery -A towerwatch worker`, answers over the real Redis.

The worker (reliability/celery_worker.py) listens on a queue of its own in Redis database 15,
so it takes nothing from (and gives nothing to) a developer's worker on the default database.
It runs the `ping` task against the test database, so the answer also proves it reached the
database. It is awaited for as long as it is alive, however slowly a busy machine starts it.
"""

import uuid

import pytest

from reliability.celery_broker import client_app
from reliability.celery_worker import running_worker
from reliability.processes import subprocess_env

BROKER_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def client():
    app = client_app(BROKER_URL)
    yield app
    app.close()


@pytest.mark.redis
@pytest.mark.django_db  # so that the test database exists for the worker to open
def test_a_real_worker_answers_ping(client, tmp_path):
    queue = f"towerwatch-test-{uuid.uuid4().hex}"
    with running_worker(queue, tmp_path, subprocess_env(REDIS_URL=BROKER_URL)) as worker:
        result = client.send_task("towerwatch.tasks.ping", queue=queue)
        worker.wait_for(result.ready, "answered ping")
        answer = result.get()
    result.forget()
    assert answer == {"pong": True, "database": 1}
