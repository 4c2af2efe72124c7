"""Celery tasks of the diversity side: the watch pipeline run by beat."""

from celery import shared_task
from django.core.cache import cache

from diversity.pipeline import watch
from votes.chain.client import RpcError
from votes.chain.networks import get_network

LOCK_SECONDS = 900


@shared_task(name="diversity.tasks.watch", bind=True, max_retries=None)
def watch_network(self, network: str | None = None, rpc_url: str | None = None) -> dict:
    """Index, fingerprint and check one network; overlapping runs are skipped, and a node error
    retries with backoff (the indexer's checkpoint makes a retry safe)."""
    config = get_network(network, rpc_url)
    lock = f"towerwatch:watch:{config.name}"
    if not cache.add(lock, self.request.id or "local", LOCK_SECONDS):
        return {"skipped": "another watch run is in progress"}
    try:
        return dict(watch(config))
    except RpcError as error:
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    finally:
        cache.delete(lock)
