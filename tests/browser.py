"""The dashboard tests' harness: data in the shape the pages read, and headless Chromium.

The session's simulated devnet is indexed once, its reference verdicts computed, and the rows
kept in memory (`dashboard_snapshot`); each test gets them back by bulk insert (`dashboard_data`),
inside its transaction for test-client tests, committed for the live server. The test database
is left empty afterwards, as other test modules expect.

`assign_from_truth` stands in for a fingerprinting run: it writes Implementation and daily
Assignment rows from the simulator's ground truth (every other member declared, the rest inferred
with a confidence, one left unknown), so the pages can be tested independently of the classifier.
`chromium()` starts Debian's Chromium through Playwright's sync API; Playwright's own browser
downloads are never used.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from diversity.models import Assignment, Disagreement, Implementation, Verdict
from votes.models import (
    Checkpoint,
    Consensus,
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
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
KINDS = ("watchtower", "treegen")
# In foreign-key order, for reinserting.
SNAPSHOT_MODELS = [Member, MembershipEvent, Round, Submission, OnChainUpdate, Consensus, Checkpoint,
                   Implementation, Assignment, Verdict, Disagreement]  # fmt: skip


@pytest.fixture(scope="session")
def dashboard_snapshot(simulated_devnet, django_db_setup, django_db_blocker):
    """The indexed 30-day devnet with verdicts and assignments: (rows per model, truth)."""
    from diversity.reference.setup import compute_verdicts
    from votes.chain.networks import get_network
    from votes.indexing.indexer import Indexer

    _, _, _, truth = simulated_devnet
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        config = get_network("devnet")
        Indexer(config).run_pass()
        compute_verdicts(config, implementation_from_truth(truth))
        assign_from_truth(truth)
        rows = {model: list(model.objects.all()) for model in SNAPSHOT_MODELS}
        call_command("flush", interactive=False, verbosity=0)
    return rows, truth


@pytest.fixture
def dashboard_data(dashboard_snapshot, db):
    """The snapshot's rows in the test database; returns the simulator's ground truth."""
    rows, truth = dashboard_snapshot
    for model in SNAPSHOT_MODELS:
        model.objects.bulk_create(rows[model])
    return truth


def implementation_from_truth(truth: dict):
    """(address, kind, at) -> what the simulator ran, for naming reference disagreements."""
    members = {m["address"].lower(): m for m in truth["members"]}
    return lambda address, kind, at: running_at(members[address.lower()], kind, at.timestamp())


def running_at(member: dict, kind: str, at: int) -> str:
    """What a simulated member ran at unix time `at`, from its ground-truth history."""
    current = member[kind]
    for change in sorted(member["history"], key=lambda c: c["from"]):
        if change["from"] <= at:
            current = change[kind]
    return current


def assign_from_truth(truth: dict, network: str = "devnet", unknown: int = 1) -> int:
    """Daily assignments for every member from the ground truth; returns the rows written.

    Members in even positions are declared (confidence 1), odd ones inferred with a confidence
    between 0.75 and 0.99; the last `unknown` members stay unknown for the whole history.
    """
    implementations = {}
    for member in truth["members"]:
        for kind in KINDS:
            names = {member[kind]} | {change[kind] for change in member["history"]}
            for name in names:
                implementations[(kind, name)], _ = Implementation.objects.get_or_create(
                    kind=kind, name=name, defaults={"source": "profiles"}
                )
    members = {m.address.lower(): m for m in Member.objects.filter(network=network)}
    start = datetime.fromtimestamp(truth["started_at"], UTC)
    rows = []
    for position, simulated in enumerate(truth["members"]):
        member = members.get(simulated["address"].lower())
        if member is None:
            continue
        is_unknown = position >= len(truth["members"]) - unknown
        for day in range(truth["days"] + 1):
            at = start + timedelta(days=day)
            stamp = int(at.timestamp())
            if stamp < simulated["joined_at"] or (simulated["left_at"] or 1e12) <= stamp:
                continue
            for kind in KINDS:
                truth_name = running_at(simulated, kind, stamp)
                row = assignment(network, member, kind, at, position, is_unknown,
                                 implementations[(kind, truth_name)])  # fmt: skip
                rows.append(row)
    Assignment.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def assignment(network, member, kind, at, position, is_unknown, truth) -> Assignment:
    declared = position % 2 == 0 and not is_unknown
    confidence = 1.0 if declared else 0.75 + (position * 7 % 25) / 100
    flags = ["silent_switch"] if position == 3 else []
    return Assignment(
        network=network, member=member, kind=kind, as_of=at, window_days=7.0,
        implementation=None if is_unknown else truth,
        source="unknown" if is_unknown else ("declared" if declared else "inferred"),
        confidence=0.0 if is_unknown else confidence,
        inferred=None if is_unknown else truth,
        inferred_probability=None if is_unknown else confidence,
        evidence=20, flags=flags,
    )  # fmt: skip


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
