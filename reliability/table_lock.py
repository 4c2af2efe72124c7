"""A table locked by someone else (a migration, an admin's long transaction): the fault test and
the reliability bench hold the lock from a second connection while the indexer runs with a
lock timeout. PostgreSQL only: SQLite has no table locks, only a whole-file one."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections

LOCK_WAIT_SECONDS = 60  # for the second connection to take the lock: it waits on nothing else


def supported() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def table_locked(table: str) -> Iterator[None]:
    """ACCESS EXCLUSIVE on `table`, held by another connection (in a thread) for the block."""
    held, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        locker = connections.create_connection("default")
        try:
            with locker.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
                held.set()
                release.wait()
                cursor.execute("ROLLBACK")
        except BaseException as error:  # reported to the caller, not lost in the thread
            failure.append(error)
            held.set()
        finally:
            locker.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    if not held.wait(LOCK_WAIT_SECONDS) or failure:
        release.set()
        raise RuntimeError(f"could not lock {table}: {failure[0] if failure else 'no answer'}")
    try:
        yield
    finally:
        release.set()
        thread.join()


@contextmanager
def lock_timeout(duration: str) -> Iterator[None]:
    """This connection gives up waiting for a lock after `duration` (e.g. '500ms')."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = %s", [duration])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
