"""Process and database faults of the reliability table: `manage.py index` and Celery workers
SIGKILLed mid-work, and tables locked by someone else mid-pass. Each ends with the database
compared to a clean pass over the same chain (reliability/indexer_state.py): rows missing, rows
extra, and ranges left half-written; the kills and refusals are counted from exit statuses
and exceptions, not from what was meant to happen.
"""

from pathlib import Path

from django.db import OperationalError, connection

from reliability import table_lock
from reliability.indexer_state import db_state, devnet_config, rows_lost, rows_past_checkpoint
from reliability.killed_indexer import index, index_killed_after
from reliability.killed_worker import index_killing_workers
from reliability.processes import subprocess_env
from reliability.redis_server import RedisServer
from reliability.scenario import Scenario
from votes.indexing.indexer import Indexer
from votes.reset import reset_network

KILL_AFTER = 15  # submissions a killed `index` writes before it dies inside the range at hand
INDEX_LOG_RANGE = "10"  # blocks per range for the killed `index`: several ranges per kill
WORKER_LOG_RANGE = "2"  # blocks per range for the workers: a pass long enough to kill mid-way
LOCK_TIMEOUT = "500ms"


def killed_indexer(deployment, reference: dict, folder: Path, kills: int) -> Scenario:
    """`kills` runs of `index` SIGKILLed in turn inside a range's transaction, then a last run."""
    reset_network("devnet")
    env = subprocess_env(deployment, folder, LOG_RANGE=INDEX_LOG_RANGE, CONFIRMATIONS="0")
    runs = [index_killed_after(KILL_AFTER, env) for _ in range(kills)]
    last = index(env)
    if last.returncode != 0:
        raise RuntimeError(f"the restarted index failed: {last.stderr[-2000:]}")
    lost = rows_lost(reference, db_state())
    lost["half_written_ranges"] = sum(run.past_checkpoint > 0 for run in runs)
    return Scenario(
        f"`manage.py index` SIGKILLed inside a range's transaction, its submissions written, once "
        f"it has written {KILL_AFTER}; then run again",
        sum(run.killed for run in runs),
        lost,
    )


def killed_workers(deployment, head: int, reference: dict, folder: Path, kills: int) -> Scenario:
    """The indexing task on a Redis of its own; `kills` workers SIGKILLed mid-task in turn."""
    reset_network("devnet")
    with RedisServer() as redis:
        env = subprocess_env(deployment, folder, REDIS_URL=redis.url(),
                             LOG_RANGE=WORKER_LOG_RANGE, CONFIRMATIONS="0")  # fmt: skip
        outcome = index_killing_workers(kills, deployment.rpc_url, head, folder, env)
    connection.close()  # read what the workers committed
    lost = rows_lost(reference, db_state())
    lost["unfinished_tasks"] = int(outcome.result.get("to_block") != head)
    return Scenario(
        "Celery workers SIGKILLed in the middle of the indexing task (acks late: the task is "
        "handed to the next worker)",
        outcome.kills,
        lost,
    )


def locked_tables(deployment, head: int, reference: dict, tables: tuple[str, ...]) -> Scenario:
    """For each table: half the history indexed, then a pass while another connection holds
    the table locked (it must fail whole), then a pass once the lock is gone."""
    if not table_lock.supported():
        raise RuntimeError("table locks with a lock timeout are a PostgreSQL feature")
    config = devnet_config(deployment)
    halfway = midpoint_of_the_votes(reference)
    refused, half_written, lost = 0, 0, {"rows": 0, "extra_rows": 0}
    for table in tables:
        reset_network("devnet")
        Indexer(config, confirmations=0).run_pass(to_block=halfway)
        with table_lock.table_locked(table), table_lock.lock_timeout(LOCK_TIMEOUT):
            try:
                Indexer(config, confirmations=0).run_pass(to_block=head)
            except OperationalError:
                refused += 1
        half_written += rows_past_checkpoint() > 0
        Indexer(config, confirmations=0).run_pass(to_block=head)
        for key, value in rows_lost(reference, db_state()).items():
            lost[key] += value
    lost["half_written_ranges"] = half_written
    return Scenario(
        f"ACCESS EXCLUSIVE locks held by another connection on {', '.join(tables)}, mid-history "
        f"(lock timeout {LOCK_TIMEOUT}); counted: passes refused",
        refused,
        lost,
    )


def midpoint_of_the_votes(reference: dict) -> int:
    """The block of the median vote of a clean pass: half the votes are still to come."""
    blocks = sorted(row.block_number for row in reference["submissions"])
    return blocks[len(blocks) // 2]
