"""Celery tasks of the chain side: the beat-scheduled indexing pass."""

import logging

from celery import shared_task
from django.core.cache import cache

from votes.chain.client import RpcError
from votes.chain.networks import get_network
from votes.indexing.indexer import Indexer

log = logging.getLogger(__name__)
# A pass holds the network's lock this long past its latest progress, renewing it after every
# range: a worker killed mid-pass (no `finally`) blocks the next pass this long at most, not for a
# fixed span sized to the slowest whole pass.
LOCK_SECONDS = 120


def lock_key(network: str) -> str:
    return f"towerwatch:index:{network}"


@shared_task(name="votes.tasks.index_chain", bind=True, max_retries=None)
def index_chain(self, network: str | None = None, rpc_url: str | None = None) -> dict:
    """One indexing pass; a pass already running elsewhere makes this one a no-op, and a node
    error retries with backoff (the checkpoint guarantees nothing is lost in between)."""
    config = get_network(network, rpc_url)
    lock, owner = lock_key(config.name), self.request.id or "local"
    if not cache.add(lock, owner, LOCK_SECONDS):
        return {"skipped": "another indexing pass is running"}
    try:
        report = Indexer(config, on_progress=lambda _: cache.touch(lock, LOCK_SECONDS)).run_pass()
    except RpcError as error:
        log.warning("indexing %s failed: %s", config.name, error)
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    finally:
        if cache.get(lock) == owner:  # expired and taken by another pass: theirs to release
            cache.delete(lock)
    return {"network": report.network, "to_block": report.to_block, "lag": report.lag,
            "submissions": report.submissions}  # fmt: skip
