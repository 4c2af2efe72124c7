"""Where the chain and process scenarios of the reliability table run: a database of their own,
created and migrated for the run and dropped after it, and a folder of their own for the devnet
file, the workers' logs and Redis's.

A rolled-back transaction (what the hostile-input scenarios use) cannot hold them: their
subprocesses (workers, `manage.py index`) must see committed rows. And they must not write into
the configured database: they wipe the devnet's index and raise alerts, which would reach the
alert channels configured there.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import override_settings


@contextmanager
def sandbox() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="towerwatch-reliability-") as name:
        folder = Path(name)
        with override_settings(TOWERWATCH_DEVNET_FILE=folder / "devnet.json"), own_database(folder):
            yield folder


@contextmanager
def own_database(folder: Path) -> Iterator[str]:
    """Django's test-database machinery, under a name of this run's own (so that it never
    meets a test run's database), on the configured server."""
    db = connection.settings_dict
    saved_name, saved_test = db["NAME"], dict(db.get("TEST") or {})
    if connection.vendor == "sqlite":
        scratch = str(folder / "reliability.sqlite3")
    else:
        scratch = f"towerwatch_reliability_{os.getpid()}"
    db["TEST"] = {**saved_test, "NAME": scratch}
    try:
        created = connection.creation.create_test_db(verbosity=0, autoclobber=True,
                                                     serialize=False)  # fmt: skip
    except BaseException:
        restore(saved_name, saved_test)
        raise
    try:
        yield created
    finally:
        # destroy_test_db drops whatever database the connection names: make sure it is ours
        assert connection.settings_dict["NAME"] == created != saved_name
        connection.creation.destroy_test_db(saved_name, verbosity=0)
        restore(saved_name, saved_test)


def restore(name: str, test: dict) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"] = name
    connection.settings_dict["TEST"] = test
