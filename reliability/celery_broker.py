"""This process's Celery apps in the fault scenarios: the towerwatch app pointed at another
broker for a while (a port where nothing listens: Redis down; then a Redis the scenario owns or
a database of the shared one: Redis back), and client apps that send and await a task.

Every Celery app made in a process becomes its "current" app unless told otherwise, and the
project's tasks are shared tasks, which publish through the current app: a client app made by
one test would take the alerts another test sends to its own broker. So client apps are never
made current, and `publishing_to` makes sure the towerwatch app is.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery
from kombu import pools
from kombu.utils.collections import eqhash

from towerwatch.celery import app


def _detach() -> None:
    """The app forgets its pools; the next publish takes those of its broker URL."""
    app._pool = None
    app.amqp._producer_pool = None


def _close_pools() -> None:
    """Close the pools of the app's broker URL and take them out of kombu's registries. Closing
    alone is not enough: kombu keeps one pool per URL for the whole process, and would hand the
    closed one to the next user of the URL ("Acquire on closed pool")."""
    key = eqhash(app.connection_for_write())
    for group in (pools.producers, pools.connections):
        pool = dict.pop(group, key, None)
        if pool is not None:
            pool.force_close_all()
    _detach()


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Tasks sent in this process go to `url` inside the block, and back where they went after.
    The block starts with connections of its own and closes them at its end."""
    app.set_current()  # shared tasks publish through the current app
    saved = app.conf.broker_url
    _detach()
    app.conf.broker_url = url
    _close_pools()  # whatever an earlier user of `url` left behind
    try:
        yield
    finally:
        _close_pools()
        app.conf.broker_url = saved


def client_app(broker_url: str) -> Celery:
    """An app that sends tasks to, and reads results from, `broker_url`, without becoming the
    current app of this process (close it after use)."""
    return Celery("towerwatch-fault-client", broker=broker_url, backend=broker_url,
                  set_as_current=False)  # fmt: skip
