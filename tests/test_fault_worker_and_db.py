"""Faults around the indexer's process and database: a worker killed mid-task, a locked table.

After each fault the database must equal what one clean pass stores: nothing lost, nothing
duplicated. The yardstick is reliability.indexer_state.db_state().
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
from celery import Celery
from django.db import OperationalError, connection, connections

from reliability.indexer_state import db_state, devnet_config
from tests.conftest import ROOT, run_simulation
from tests.test_celery_worker import worker_database_url
from votes.indexing.indexer import Indexer
from votes.models import Checkpoint
from votes.reset import reset_network

BROKER_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module")
def short_history():
    yield from run_simulation(days=3)


def clean_state(config) -> dict:
    reset_network(config.name)
    Indexer(config).run_pass()
    return db_state()


def start_worker(queue: str, tmp_path, log_name: str) -> subprocess.Popen:
    env = {**os.environ, "REDIS_URL": BROKER_URL, "DATABASE_URL": worker_database_url(tmp_path),
           "LOG_RANGE": "2", "CELERY_VISIBILITY_TIMEOUT": "3"}  # fmt: skip
    command = [
        sys.executable, "-m", "celery", "-A", "towerwatch", "worker", "--pool", "solo",
        "--queues", queue, "--hostname", f"{log_name}-{queue}@%h", "--without-gossip",
        "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    log = (tmp_path / f"{log_name}.log").open("w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def checkpoint_block() -> int:
    connection.close()  # see the worker's commits, not a stale snapshot
    row = Checkpoint.objects.filter(network="devnet").first()
    return row.block_number if row else -1


@pytest.mark.chain
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_task_is_redelivered_and_loses_nothing(short_history, tmp_path):
    chain, deployment, _, _ = short_history
    config = devnet_config(deployment)
    expected = clean_state(config)
    reset_network("devnet")
    head = chain.w3.eth.block_number
    queue = f"towerwatch-fault-{uuid.uuid4().hex}"
    app = Celery("towerwatch-fault-client", broker=BROKER_URL, backend=BROKER_URL)
    first = start_worker(queue, tmp_path, "first")
    try:
        result = app.send_task("votes.tasks.index_chain", args=["devnet", config.rpc_url],
                               queue=queue)  # fmt: skip
        wait_for(lambda: 0 < checkpoint_block() < head - 20, 120, "the first ranges")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        second = start_worker(queue, tmp_path, "second")
        try:
            outcome = result.get(timeout=120)
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        app.close()
    assert outcome["to_block"] == head
    connection.close()
    assert db_state() == expected


@pytest.mark.chain
@pytest.mark.django_db(transaction=True)
def test_a_locked_table_fails_the_pass_cleanly_and_the_next_pass_completes(short_history):
    if connection.vendor != "postgresql":
        pytest.skip("table locks with a lock timeout are a PostgreSQL feature")
    _, deployment, _, _ = short_history
    config = devnet_config(deployment)
    expected = clean_state(config)
    reset_network("devnet")
    held, release = threading.Event(), threading.Event()

    def hold_lock():
        locker = connections.create_connection("default")
        with locker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE votes_submission IN ACCESS EXCLUSIVE MODE")
            held.set()
            release.wait(30)
            cursor.execute("ROLLBACK")
        locker.close()

    locker = threading.Thread(target=hold_lock)
    locker.start()
    held.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '500ms'")
        with pytest.raises(OperationalError):
            Indexer(config).run_pass()
    finally:
        release.set()
        locker.join()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")
    Indexer(config).run_pass()
    assert db_state() == expected
