"""Shared fixtures: real anvil devnets (bare, and with 30 days of simulated oDAO history).

Tests never point at the developer's own var/ folder: everything the devnet writes goes to
var/test/, or var/test/<worker>/ under pytest-xdist so that parallel workers never share a
devnet.json, a contracts build cache or a rewards folder. TOWERWATCH_TEST_ID keeps two test runs
on one machine apart (their own var/test/<id>/ and PostgreSQL test database).
"""

import copy
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_VAR_DIR = (
    ROOT / "var" / "test" / os.environ.get("TOWERWATCH_TEST_ID", "")
    / os.environ.get("PYTEST_XDIST_WORKER", "")
)  # fmt: skip
SHARED_DATA = ROOT.parent / "shared" / "data"


def _use_test_var_dir() -> None:
    """Point this process and the commands it starts at TEST_VAR_DIR.

    pytest-django configures Django before any conftest is imported, so setting the environment
    alone comes too late for this process: the settings derived from it are replaced as well.
    xdist workers inherit the controller's environment, hence the assignment, not setdefault.
    """
    from django.conf import settings

    os.environ["TOWERWATCH_VAR_DIR"] = str(TEST_VAR_DIR)
    os.environ.pop("DEVNET_FILE", None)
    TEST_VAR_DIR.mkdir(parents=True, exist_ok=True)
    read_var_dir = Path(settings.VAR_DIR)
    settings.VAR_DIR = TEST_VAR_DIR
    settings.TOWERWATCH_DEVNET_FILE = TEST_VAR_DIR / "devnet.json"
    for database in settings.DATABASES.values():  # a file-backed SQLite test database
        test = database.get("TEST") or {}
        if test.get("NAME") and Path(test["NAME"]).parent == read_var_dir:
            test["NAME"] = str(TEST_VAR_DIR / Path(test["NAME"]).name)


_use_test_var_dir()


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a long end-to-end run (still part of the suite)")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, as a fresh process would: the database is rolled
    back after a test, but the local-memory cache would keep pages of rows that are gone. (A
    Redis cache is never flushed here: its database may be the Celery broker's too.)"""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(scope="session")
def bare_devnet():
    """The hand-written contracts of the pre-Houston ABI eras (Atlas layouts, reverted late
    votes), deployed with no members: (chain, deployment). Everything else runs on the real
    protocol (`rocketpool`, `simulated_devnet`)."""
    from votes.devnet.session import open_devnet

    with open_devnet(protocol="imitation") as (chain, deployment):
        yield chain, deployment


@pytest.fixture
def devnet(bare_devnet):
    """The bare devnet, reverted to its deployed state after the test (anvil snapshots)."""
    chain, deployment = bare_devnet
    snapshot = chain.rpc("evm_snapshot", [])
    timestamp, base_fee = chain.timestamp, chain.base_fee
    saved_eras = copy.deepcopy(deployment.eras)
    yield chain, deployment
    chain.rpc("evm_revert", [snapshot])
    chain.timestamp, chain.base_fee = timestamp, base_fee
    deployment.eras = saved_eras


def run_simulation(days=30, members=15, seed=1, scenario=None, profiles=None):
    """Yield (chain, deployment, result, truth) for a simulation on its own fresh anvil."""
    from django.conf import settings

    from votes.devnet.profiles import load_profiles
    from votes.devnet.scenario import load_scenario
    from votes.devnet.session import open_devnet
    from votes.devnet.simulator import Simulation
    from votes.devnet.summary import ground_truth

    with open_devnet() as (chain, deployment):
        simulation = Simulation(
            chain, deployment, load_profiles(profiles), load_scenario(scenario, days),
            members=members, days=days, seed=seed,
        )  # fmt: skip
        result = simulation.run()
        deployment.save(settings.TOWERWATCH_DEVNET_FILE)  # the upgrade block, as the commands do
        yield chain, deployment, result, ground_truth(result, deployment)


@pytest.fixture(scope="session")
def simulated_devnet():
    """30 days of the default 15-member oDAO, seed 1: (chain, deployment, result, truth)."""
    yield from run_simulation()


@pytest.fixture
def command_env(tmp_path) -> dict[str, str]:
    """Environment for a `manage.py` subprocess with a var/ folder of its own, so that its
    devnet.json and rewards files never overwrite this worker's; the compiled contracts are
    copied in so that it does not compile them again."""
    from django.conf import settings

    from votes.devnet.compiler import load_artifacts

    load_artifacts()
    var_dir = tmp_path / "var"
    shutil.copytree(settings.VAR_DIR / "build", var_dir / "build")
    return {**os.environ, "TOWERWATCH_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="session")
def rocketpool_devnet():
    """The real Rocket Pool v1.3.1 with v1.4 staged and 15 members joined the real way:
    a `votes.devnet.protocol.fixture.RocketPoolDevnet`."""
    from votes.devnet.protocol.fixture import open_rocketpool_devnet

    with open_rocketpool_devnet(members=15) as network:
        yield network


@pytest.fixture
def rocketpool(rocketpool_devnet):
    """The real-protocol devnet, reverted after the test (anvil snapshots)."""
    with rocketpool_devnet.restored_after():
        yield rocketpool_devnet


@pytest.fixture(autouse=True)
def fresh_abuse_limits():
    """The abuse limits count per client address, and every test client is the same address:
    each test starts with nothing counted (towerwatch/throttling.py keeps its own cache)."""
    from django.core.cache import caches

    from towerwatch.throttling import THROTTLE_CACHE

    caches[THROTTLE_CACHE].clear()


@pytest.fixture
def smtp(settings):
    """start(replies=()) -> an Inbox: a local SMTP server (tests/fake_smtp.py) that Django's SMTP
    backend sends to for this test."""
    from tests.fake_smtp import start_smtp

    started = []
    yield lambda replies=(): start_smtp(settings, started, replies)
    for controller in started:
        controller.stop()
