"""The dashboard tests' harness: the indexed devnet as the pages see it, and headless Chromium.

`dashboard_snapshot` runs the real pipeline once per session on the simulated 30-day devnet:
index, a fingerprint evaluation (kept for the model card), reference verdicts, signed declarations
from every other member, fingerprinting (assignments for the rest), alert evaluation. It keeps the
rows in memory and leaves the test database empty; `dashboard_data` puts them back by bulk insert,
inside the test's transaction for test-client tests, committed for the live server (which flushes
them afterwards). `chromium()` starts Debian's Chromium through Playwright's sync API; Playwright's
own browser downloads are never used.
"""

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from eth_account import Account
from eth_account.messages import encode_defunct

from diversity.alerts.models import Alert, AlertEvent, ConditionStreak
from diversity.models import (
    Assignment,
    Declaration,
    Disagreement,
    Implementation,
    ModelEvaluation,
    Release,
    Verdict,
)
from votes.models import (
    Checkpoint,
    Consensus,
    IndexedBlock,
    Member,
    MembershipEvent,
    OnChainUpdate,
    Round,
    Submission,
)

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
# In foreign-key order, for reinserting.
SNAPSHOT_MODELS = [
    Member,
    MembershipEvent,
    IndexedBlock,
    Round,
    Submission,
    OnChainUpdate,
    Consensus,
    Checkpoint,
    Implementation,
    Release,
    Declaration,
    Assignment,
    ModelEvaluation,
    Verdict,
    Disagreement,
    Alert,
    AlertEvent,
    ConditionStreak,
]


@pytest.fixture(scope="session")
def dashboard_snapshot(simulated_devnet, django_db_setup, django_db_blocker):
    """The devnet through the whole pipeline: (rows per model, the simulator's truth)."""
    from diversity.alerts.lifecycle import evaluate
    from diversity.alerts.sources import current_situation
    from diversity.fingerprint.evaluate import evaluate as evaluate_fingerprint
    from diversity.fingerprint.evaluate import record_evaluation
    from diversity.fingerprint.refresh import refresh_assignments
    from diversity.reference.setup import compute_verdicts
    from votes.chain.networks import NetworkConfig
    from votes.indexing.indexer import Indexer

    _, deployment, _, truth = simulated_devnet
    config = NetworkConfig(
        "devnet",
        deployment.rpc_url,
        deployment.rocket_storage,
        deployment.deploy_block,
        world=deployment.world,
    )
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        Indexer(config).run_pass()
        record_evaluation(evaluate_fingerprint("devnet", truth))
        compute_verdicts(config, implementation_from_truth(truth))
        declare_every_other(truth)
        refresh_assignments("devnet")
        evaluate(current_situation(config=config))  # this devnet, whatever devnet.json says
        rows = {model: list(model.objects.all()) for model in SNAPSHOT_MODELS}
        call_command("flush", interactive=False, verbosity=0)
    return rows, truth


@pytest.fixture
def dashboard_data(dashboard_snapshot, db):
    """The snapshot's rows in the test database; returns the simulator's ground truth."""
    rows, truth = dashboard_snapshot
    cache.clear()  # the pages cache what they derive from these rows
    for model in SNAPSHOT_MODELS:
        model.objects.bulk_create(rows[model])
    with connection.cursor() as cursor:  # PostgreSQL: new rows must not reuse the snapshot's keys
        for statement in connection.ops.sequence_reset_sql(no_style(), SNAPSHOT_MODELS):
            cursor.execute(statement)
    return truth


def declare_every_other(truth: dict) -> list[str]:
    """Members in even positions sign a declaration of what they ran when they joined."""
    from diversity.fingerprint.declarations import Claim, declaration_text, record_declaration
    from votes.devnet.members import member_key

    declared = []
    for member in truth["members"][::2]:
        first = min(member["history"], key=lambda change: change["from"])
        claim = Claim(
            "devnet",
            member["address"],
            first["watchtower"],
            "",
            first["treegen"],
            "",
            member["joined_at"] + 60,
            1,
        )
        message = declaration_text(claim)
        key = member_key(truth["seed"], member["index"])
        signature = Account.sign_message(encode_defunct(text=message), key).signature.hex()
        record_declaration("devnet", message, "0x" + signature.removeprefix("0x"))
        declared.append(member["address"])
    return declared


def running_at(member: dict, kind: str, at: float) -> str:
    """What a simulated member ran at unix time `at`, from its ground-truth history."""
    current = member[kind]
    for change in sorted(member["history"], key=lambda c: c["from"]):
        if change["from"] <= at:
            current = change[kind]
    return current


def implementation_from_truth(truth: dict):
    """(address, kind, at) -> what the simulator ran, for naming reference disagreements."""
    members = {m["address"].lower(): m for m in truth["members"]}
    return lambda address, kind, at: running_at(members[address.lower()], kind, at.timestamp())


@pytest.fixture(scope="module")
def browser():
    """Chromium for a test module. Playwright's sync API keeps an asyncio loop on this thread,
    which makes Django refuse database calls here unless told that nothing async touches them."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch, chromium() as chromium_browser:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield chromium_browser


@contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright; yields the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class PageWatcher:
    """Collects a page's console errors and uncaught exceptions, for the test to assert on."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text}")
