"""Faults around the indexer's process and database: a worker killed mid-task, a locked table.

After each fault the database must equal what one clean pass stores: nothing lost, nothing
duplicated. The yardstick is reliability.indexer_state.db_state(); the faults come from
reliability/killed_worker.py and reliability/table_lock.py, which the reliability bench runs too.
"""

import pytest
from django.db import OperationalError, connection

from reliability import table_lock
from reliability.indexer_state import db_state, devnet_config
from reliability.killed_worker import index_killing_workers
from reliability.processes import subprocess_env
from tests.conftest import run_simulation
from votes.indexing.indexer import Indexer
from votes.reset import reset_network

BROKER_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module")
def short_history():
    yield from run_simulation(days=3)


def clean_state(config) -> dict:
    reset_network(config.name)
    Indexer(config).run_pass()
    return db_state()


@pytest.mark.chain
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_task_is_redelivered_and_loses_nothing(short_history, tmp_path):
    chain, deployment, _, _ = short_history
    config = devnet_config(deployment)
    expected = clean_state(config)
    reset_network("devnet")
    head = chain.w3.eth.block_number
    env = subprocess_env(deployment, tmp_path, REDIS_URL=BROKER_URL, LOG_RANGE="2")
    outcome = index_killing_workers(1, config.rpc_url, head, tmp_path, env)
    assert outcome.kills == 1
    assert outcome.result["to_block"] == head
    connection.close()
    assert db_state() == expected


@pytest.mark.chain
@pytest.mark.django_db(transaction=True)
def test_a_locked_table_fails_the_pass_cleanly_and_the_next_pass_completes(short_history):
    if not table_lock.supported():
        pytest.skip("table locks with a lock timeout are a PostgreSQL feature")
    _, deployment, _, _ = short_history
    config = devnet_config(deployment)
    expected = clean_state(config)
    reset_network("devnet")
    with (
        table_lock.table_locked("votes_submission"),
        table_lock.lock_timeout("500ms"),
        pytest.raises(OperationalError),
    ):
        Indexer(config).run_pass()
    Indexer(config).run_pass()
    assert db_state() == expected
