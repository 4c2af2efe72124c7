"""An indexer that dies mid-batch, then restarts: nothing missing, nothing duplicated.

Each range is written in one database transaction together with the checkpoint, so a crash
loses at most the range in hand, which the restart reads again. Shown twice: in-process (an
exception after N rows, the transaction rolls back) and for real (`manage.py index` in a
subprocess, SIGKILLed in the middle of writing a range, then run again).
"""

from pathlib import Path

import pytest

from reliability.indexer_state import clear_index, db_state, devnet_config
from reliability.killed_indexer import index, index_killed_after
from reliability.processes import database_url
from votes import consensus
from votes.indexing.indexer import Indexer
from votes.indexing.store import BatchWriter
from votes.models import Checkpoint, Consensus, Submission

pytestmark = pytest.mark.chain
SATURN_BLOCKS = 60  # the in-process tests read the Houston era and the Saturn upgrade
MAX_RANGE = 50


class Crash(Exception):
    pass


@pytest.fixture(scope="module")
def reference(simulated_devnet, django_db_setup, django_db_blocker) -> dict:
    """The database after one clean pass over the Houston era and the start of Saturn."""
    _, deployment, _, _ = simulated_devnet
    with django_db_blocker.unblock():
        clear_index()
        Indexer(devnet_config(deployment)).run_pass(to_block=to_block(simulated_devnet))
        state = db_state()
        clear_index()
    return state


def indexer(simulated_devnet) -> Indexer:
    deployment = simulated_devnet[1]
    return Indexer(devnet_config(deployment), confirmations=0, max_range=MAX_RANGE)


def to_block(simulated_devnet) -> int:
    return simulated_devnet[1].protocol["upgraded_block"] + SATURN_BLOCKS


def crash_after(monkeypatch, submissions: int) -> None:
    """Make BatchWriter raise once `submissions` submission rows have been written in this
    process: right after a range's rows went into its open transaction, before its on-chain
    updates and its checkpoint."""
    written = []
    store_submissions = BatchWriter._store_submissions

    def store_then_crash(self):
        store_submissions(self)
        written.extend(self.votes)
        if len(written) >= submissions:
            raise Crash(f"crashed after writing {len(written)} submissions")

    monkeypatch.setattr(BatchWriter, "_store_submissions", store_then_crash)


@pytest.mark.django_db
def test_a_crash_mid_batch_rolls_the_whole_range_back(simulated_devnet, reference, monkeypatch):
    crash_after(monkeypatch, 150)
    with pytest.raises(Crash):
        indexer(simulated_devnet).run_pass(to_block=to_block(simulated_devnet))
    checkpoint = Checkpoint.objects.get().block_number
    stored = sorted(Submission.objects.values_list("tx_hash", "log_index"))
    assert 0 < len(stored) < 150
    assert stored == sorted(row.position for row in reference["submissions"]
                            if row.block_number <= checkpoint)  # fmt: skip


@pytest.mark.django_db
def test_the_restart_after_a_crash_mid_batch_equals_a_clean_run(
    simulated_devnet, reference, monkeypatch
):
    crash_after(monkeypatch, 150)
    with pytest.raises(Crash):
        indexer(simulated_devnet).run_pass(to_block=to_block(simulated_devnet))
    monkeypatch.undo()
    indexer(simulated_devnet).run_pass(to_block=to_block(simulated_devnet))
    assert db_state() == reference


@pytest.mark.django_db
def test_a_crash_while_computing_consensus_is_repaired_by_the_next_pass(
    simulated_devnet, reference, monkeypatch
):
    store_duty = consensus._store_duty

    def crash_on_prices(network, duty, threshold, replay):
        if duty == "prices":
            raise Crash("crashed computing prices consensus")
        yield from store_duty(network, duty, threshold, replay)

    monkeypatch.setattr(consensus, "_store_duty", crash_on_prices)
    with pytest.raises(Crash):
        indexer(simulated_devnet).run_pass(to_block=to_block(simulated_devnet))
    assert not Consensus.objects.filter(round__duty="prices").exists()
    monkeypatch.undo()
    report = indexer(simulated_devnet).run_pass(to_block=to_block(simulated_devnet))
    assert report.blocks == 0
    assert db_state() == reference


# --- the real thing: SIGKILL in the middle of a database transaction -----------------------------

KILL_AFTER = 450  # submissions: about half of the 30 days, a few ranges in
LOG_RANGE = "100"


@pytest.fixture
def index_env(simulated_devnet, command_env) -> dict[str, str]:
    """Environment for `index` subprocesses: the test database, this devnet, small ranges."""
    simulated_devnet[1].save(Path(command_env["TOWERWATCH_VAR_DIR"]) / "devnet.json")
    return {**command_env, "DATABASE_URL": database_url(), "LOG_RANGE": LOG_RANGE,
            "DJANGO_SETTINGS_MODULE": "towerwatch.settings"}  # fmt: skip


@pytest.mark.django_db(transaction=True)  # the subprocesses must see (and write) committed rows
def test_an_indexer_killed_mid_batch_resumes_without_losing_or_duplicating(
    simulated_devnet, index_env
):
    killed = index_killed_after(KILL_AFTER, index_env)
    assert killed.killed, killed.process.stderr
    assert 0 < killed.stored < KILL_AFTER
    assert killed.past_checkpoint == 0

    restarted = index(index_env)
    assert restarted.returncode == 0, restarted.stderr
    head = simulated_devnet[0].w3.eth.block_number
    assert f"devnet: blocks {killed.checkpoint + 1}-{head}" in restarted.stdout
    after_restart = db_state()

    clear_index()
    Indexer(devnet_config(simulated_devnet[1])).run_pass()
    assert after_restart == db_state()
    logged = Submission.objects.filter(reverted=False).count()
    assert logged == sum(simulated_devnet[3]["submissions"].values())
