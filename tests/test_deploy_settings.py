"""Production settings: `check --deploy` is clean, and nothing insecure is on by default."""

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-secret-for-this-test-only-0123456789abcdefghijklmnop",
    "ALLOWED_HOSTS": "towerwatch.example.org",
}


def manage(*args, env_overrides=None):
    env = {**os.environ, **(env_overrides or {})}
    env.pop("DATABASE_URL", None)  # the checks need no database
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_check_deploy_is_clean_in_production():
    done = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_refuses_to_start_without_a_secret_key():
    done = manage("check", env_overrides={**PRODUCTION, "SECRET_KEY": ""})
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr
