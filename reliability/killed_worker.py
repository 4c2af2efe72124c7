"""An indexing task whose Celery workers are SIGKILLed in the middle of it, one after another, and
a last worker that finishes it: the fault test and the reliability bench.

The task is acknowledged late (CELERY_TASK_ACKS_LATE), so a killed worker's message goes back
to the queue once the broker's visibility timeout (3 s here) has passed, and the next worker
runs it again from the checkpoint. A kill counts as mid-task only if the database shows the
pass under way: the checkpoint past where the previous worker left it and short of the head.
"""

import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from reliability import indexer_state
from reliability.celery_broker import client_app
from reliability.celery_worker import start_worker

VISIBILITY_TIMEOUT = "3"  # seconds before an unacknowledged task is handed out again
SHORT_OF_HEAD = 20  # blocks: a kill this close to the head might come after the last write


@dataclass
class KilledWorkers:
    kills: int  # workers SIGKILLed while the pass was under way
    result: dict  # what the task returned to the last worker


def checkpoint_block() -> int:
    connection.close()  # see the worker's commits, not a stale snapshot
    return indexer_state.checkpoint_block()


def index_killing_workers(kills: int, rpc_url: str, head: int, folder: Path,
                          env: dict[str, str]) -> KilledWorkers:  # fmt: skip
    """Send votes.tasks.index_chain for the devnet at `rpc_url`; SIGKILL `kills` workers in
    turn, each once the checkpoint has moved on from where the last one died; let a last worker
    finish. `env` must name the broker (REDIS_URL) and the database (reliability/processes.py);
    LOG_RANGE in it should be small, so that the pass takes many ranges."""
    queue = f"towerwatch-killed-{uuid.uuid4().hex}"
    env = {**env, "CELERY_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT}
    app = client_app(env["REDIS_URL"])
    try:
        result = app.send_task("votes.tasks.index_chain", args=["devnet", rpc_url], queue=queue)
        killed, last_seen = 0, checkpoint_block()
        for number in range(kills):
            worker = start_worker(queue, folder, env, f"killed-{number}")
            try:
                worker.wait_for(lambda seen=last_seen: checkpoint_block() > seen, "indexed a range")
                last_seen = checkpoint_block()
                if last_seen < head - SHORT_OF_HEAD and not result.ready():
                    killed += worker.kill() < 0
            finally:
                worker.stop()
        last = start_worker(queue, folder, env, "last")
        try:
            last.wait_for(result.ready, "finished the indexing task")
        finally:
            last.stop()
        return KilledWorkers(killed, result.get(propagate=True))
    finally:
        app.close()
