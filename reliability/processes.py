"""What a subprocess of a fault scenario (a Celery worker, `manage.py index`) needs in order to
share this process's world: the same database, and the same devnet."""

import os
from pathlib import Path

from django.db import connection

from votes.devnet.deploy import Deployment


def database_url() -> str:
    """DATABASE_URL of the database this process uses (in a test, the test database), for a
    subprocess that must read and write the same rows. The settings keep a SQLite test
    database in a file for exactly this."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"
    assert not connection.is_in_memory_db(), "another process cannot open an in-memory database"
    return f"sqlite:///{db['NAME']}"


def subprocess_env(deployment: Deployment | None = None, folder: Path | None = None,
                   **variables: str) -> dict[str, str]:  # fmt: skip
    """This process's environment, pointed at its database, plus `variables`. With a
    deployment, the devnet file the subprocess reads (DEVNET_FILE) is written into `folder`, so
    that the developer's own devnet.json is never overwritten."""
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1", **variables}
    if deployment is not None:
        assert folder is not None, "a deployment needs a folder for its devnet file"
        devnet_file = folder / "devnet.json"
        deployment.save(devnet_file)
        env["DEVNET_FILE"] = str(devnet_file)
    return env
