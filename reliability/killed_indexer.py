"""`manage.py index` in a subprocess, SIGKILLed in the middle of writing a range, and run again:
the crash test and the reliability bench.

The kill comes from inside: once the process has written N submissions (counted after the
store's bulk write of a range's submissions, i.e. inside the range's database transaction,
before its checkpoint), it sends itself SIGKILL. No finally clause, no rollback on the way out:
the database must cope with a connection that simply disappears, as after the OOM killer or a
power cut.
"""

import signal
import subprocess
import sys
from dataclasses import dataclass

from django.conf import settings

from reliability.indexer_state import NETWORK, checkpoint_block, rows_past_checkpoint
from votes.models import Submission

KILLED_INDEXER = """
import os, signal, sys
import django

django.setup()
from django.core.management import call_command
from votes.indexing.store import BatchWriter

written = 0
store_submissions = BatchWriter._store_submissions


def store_then_die(self):
    global written
    store_submissions(self)
    written += len(self.votes)
    if written >= int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)


BatchWriter._store_submissions = store_then_die
call_command("index", "--network", "devnet")
"""


@dataclass
class Kill:
    """One killed run, as the database shows it afterwards."""

    process: subprocess.CompletedProcess
    checkpoint: int  # the last block the database says is indexed
    stored: int  # submissions in the database
    past_checkpoint: int  # submissions above the checkpoint: a half-written range

    @property
    def killed(self) -> bool:
        return self.process.returncode == -signal.SIGKILL


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=900)  # fmt: skip


def index_killed_after(submissions: int, env: dict[str, str]) -> Kill:
    """`index` that SIGKILLs itself once it has written `submissions` submissions, in the
    middle of the range that reaches that many (env: see reliability/processes.py; DEVNET_FILE
    and LOG_RANGE shape the run)."""
    process = run([sys.executable, "-c", KILLED_INDEXER, str(submissions)], env)
    stored = Submission.objects.filter(network=NETWORK).count()
    return Kill(process, checkpoint_block(), stored, rows_past_checkpoint())


def index(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py index --network devnet`, once, to the head."""
    return run([sys.executable, "manage.py", "index", "--network", "devnet"], env)
