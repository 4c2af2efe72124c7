"""Time every dashboard page and API list on a year of oDAO history, one request at a time.

    python bench/bench_web.py [--requests 100] [--keep]

The history is written straight into a fresh database with bulk inserts, in the shape the real
pipeline produces, rather than simulated on anvil (a simulated year takes far too long): 15
members with the default profile mix (one leaves mid-year and another joins), a balances and a
prices round every day, a rewards round every 28 days, a scrub every other day; each member
votes on the duties its watchtower performs with its profile's delays (late after consensus when
its profile does), consensus at the 8th vote, a verdict per round, signed declarations from half
the members, daily assignments per member and kind (as diversity/fingerprint/refresh.py writes
them), a few open alerts. About 900 rounds, 12,000 submissions and 11,000 assignments.

Requests go through Django's test client in this process (no network, one at a time), with
DEBUG off so no query log is kept. Every dashboard page and every API list is timed: once right
after the state changed (every state version bumped: the page is computed and cached), then,
warmed up, `--requests` times from the cache. It prints those in milliseconds (p50 and p95)
with the queries of a cached request, and last a line `urls: [...]` for bench_concurrent.py.
The database is SQLite in a temporary folder unless DATABASE_URL is set (e.g. to PostgreSQL);
--keep leaves the SQLite file in place.
"""

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

DAYS = 365
SEED = 7
START = datetime(2025, 1, 1, tzinfo=UTC)
BLOCK_SECONDS = 12
MIX = {
    "watchtower": ["smartnode"] * 6 + ["oraclerust"] * 4 + ["pywatch"] * 3 + ["lighttower"] * 2,
    "treegen": ["smartnode-treegen"] * 8 + ["treegen-rs"] * 4 + ["pytreegen"] * 3,
}
CROSSING_VOTE = 8  # of 15 members at the 51% threshold


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "towerwatch.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # no query log, as in production
    logging.getLogger("django.request").setLevel(logging.ERROR)  # staff-only endpoints say 403
    settings.ALLOWED_HOSTS = ["testserver"]


def block_at(at: datetime) -> int:
    return int((at - START).total_seconds()) // BLOCK_SECONDS + 1


def hexid(rng: random.Random, digits: int = 64) -> str:
    return f"0x{rng.getrandbits(digits * 4):0{digits}x}"


class History:
    """A year of rows in memory, primary keys assigned here so rows can point at each other."""

    def __init__(self, profiles, rng: random.Random):
        from votes.models import Member

        self.profiles, self.rng = profiles, rng
        self.members, self.software, self.spells = [], {}, {}
        for index in range(16):
            name = f"odao-{index:02}"
            member = Member(
                pk=index + 1,
                network="devnet",
                address=hexid(rng, 40),
                member_id=name,
                url=f"https://{name}.example.org",
            )
            position = index if index < 15 else 0  # the newcomer takes the leaver's software
            self.software[member.pk] = {kind: names[position] for kind, names in MIX.items()}
            joined = START if index < 15 else START + timedelta(days=DAYS // 2)
            left = START + timedelta(days=DAYS // 2) if index == 0 else None
            member.joined_at, member.joined_block = joined, block_at(joined)
            member.left_at, member.left_block = left, block_at(left) if left else None
            self.spells[member.pk] = (joined, left)
            self.members.append(member)
        self.rounds, self.submissions, self.consensus, self.updates, self.verdicts = (
            [],
            [],
            [],
            [],
            [],
        )

    def active(self, at: datetime):
        return [
            m
            for m in self.members
            if self.spells[m.pk][0] <= at
            and (self.spells[m.pk][1] is None or at < self.spells[m.pk][1])
        ]

    def add_round(self, duty: str, opened: datetime, key: str) -> None:
        from diversity.models import Verdict
        from votes.models import Consensus, OnChainUpdate, Round, Submission

        rng = self.rng
        sim_round = Round(
            pk=len(self.rounds) + 1,
            network="devnet",
            duty=duty,
            key=key,
            key_block=block_at(opened) if duty != "scrub" else None,
            opened_at=opened,
            first_seen_block=block_at(opened) + 5,
        )
        self.rounds.append(sim_round)
        values = {
            "block": str(block_at(opened)),
            "total_eth": str(rng.getrandbits(78)),
            "staking_eth": str(rng.getrandbits(77)),
            "reth_supply": str(rng.getrandbits(77)),
        }
        vote_key = hexid(rng)
        votes = []
        for member in self.active(opened):
            tower = self.profiles.watchtowers[self.software[member.pk]["watchtower"]]
            if duty not in tower.duties or rng.random() < tower.fault_rate["miss_round"]:
                continue
            delay = tower.finality_minutes * 60 + rng.uniform(*tower.poll_minutes) * 60
            if duty == "rewards":
                treegen = self.profiles.treegens[self.software[member.pk]["treegen"]]
                delay += rng.uniform(*treegen.generation_minutes) * 60
            votes.append((delay + rng.uniform(0, 30), member, tower))
        votes.sort(key=lambda vote: vote[0])
        crossing = None
        for position, (delay, member, tower) in enumerate(votes, start=1):
            at = opened + timedelta(seconds=delay)
            if crossing is not None and not tower.late_votes:
                continue
            submission = Submission(
                pk=len(self.submissions) + 1,
                network="devnet",
                round=sim_round,
                member=member,
                values={"from": member.address, **values, "time": str(int(at.timestamp()))},
                submission_key=vote_key,
                contract_address=hexid(rng, 40),
                event_era="v1.3",
                tx_hash=hexid(rng),
                log_index=0,
                tx_index=position,
                block_number=block_at(at),
                block_hash=hexid(rng),
                block_time=at,
                tx_type=tower.tx_type,
                nonce=len(votes),
                gas_limit=150_000,
                gas_used=rng.randint(80_000, 120_000),
                max_fee=30 * 10**9,
                priority_fee=10**9,
                effective_gas_price=rng.randint(10**9, 3 * 10**10),
                base_fee=10**9,
                calldata_size=196,
                delay_seconds=int(delay),
                agrees_with_consensus=True,
                late=crossing is not None,
            )
            self.submissions.append(submission)
            if position == CROSSING_VOTE:
                crossing = submission
        if crossing is None:
            return
        update = OnChainUpdate(
            pk=sim_round.pk,
            network="devnet",
            round=sim_round,
            values=values,
            submission_key=vote_key,
            tx_hash=crossing.tx_hash,
            log_index=1,
            block_number=crossing.block_number,
        )
        self.updates.append(update)
        self.consensus.append(
            Consensus(
                round=sim_round,
                status="reached",
                submission_key=vote_key,
                values=values,
                crossing_submission=crossing,
                vote_count=CROSSING_VOTE,
                member_count=15,
                block_number=crossing.block_number,
                onchain_update=update,
            )
        )
        self.verdicts.append(
            Verdict(
                round=sim_round,
                outcome="agrees",
                reference_values=values,
                consensus_values=values,
                source="bench",
            )
        )


def build_history(rng: random.Random) -> History:
    from votes.devnet.profiles import load_profiles

    history = History(load_profiles(), rng)
    for day in range(DAYS):
        morning = START + timedelta(days=day, hours=6)
        history.add_round("balances", morning, str(block_at(morning)))
        history.add_round("prices", morning, str(block_at(morning)))
        if day % 28 == 27:
            history.add_round("rewards", morning + timedelta(hours=3), str(day // 28))
        if day % 2:
            history.add_round(
                "scrub", morning + timedelta(hours=rng.randint(1, 15)), hexid(rng, 40)
            )
    return history


def fingerprint_rows(history: History, rng: random.Random) -> tuple[list, list]:
    """Declarations from every other member, and daily assignments for everyone."""
    from diversity.fingerprint.declarations import Claim, declaration_text
    from diversity.models import Assignment, Declaration, Implementation

    implementations = {(i.kind, i.name): i for i in Implementation.objects.all()}
    declarations, declared = [], {}
    for member in history.members[::2]:
        software = history.software[member.pk]
        at = history.spells[member.pk][0] + timedelta(hours=1)
        claim = Claim(
            "devnet",
            member.address,
            software["watchtower"],
            "",
            software["treegen"],
            "",
            int(at.timestamp()),
            1,
        )
        declaration = Declaration(
            pk=len(declarations) + 1,
            network="devnet",
            member=member,
            declared_at=at,
            nonce=1,
            watchtower=implementations[("watchtower", software["watchtower"])],
            treegen=implementations[("treegen", software["treegen"])],
            message=declaration_text(claim),
            signature="0x" + "00" * 65,
        )
        declarations.append(declaration)
        declared[member.pk] = declaration
    assignments = []
    for day in range(1, DAYS + 1):
        as_of = START + timedelta(days=day)
        for member in history.active(as_of):
            for kind, window in (("watchtower", 30.0), ("treegen", 180.0)):
                truth = implementations[(kind, history.software[member.pk][kind])]
                probability = rng.uniform(0.6, 0.99)
                declaration = declared.get(member.pk)
                assignments.append(
                    Assignment(
                        network="devnet",
                        member=member,
                        kind=kind,
                        as_of=as_of,
                        window_days=window,
                        implementation=truth if declaration or probability >= 0.8 else None,
                        source="declared" if declaration else "inferred",
                        declaration=declaration,
                        confidence=1.0 if declaration else probability,
                        inferred=truth,
                        inferred_probability=probability,
                        evidence=20,
                        flags=[],
                    )
                )
    return declarations, assignments


def fill(rng: random.Random) -> dict[str, int]:
    from diversity.alerts.models import Alert
    from diversity.fingerprint.catalogue import sync_implementations
    from diversity.models import Assignment, Declaration, Verdict
    from votes import state
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

    sync_implementations()
    history = build_history(rng)
    events = [
        MembershipEvent(
            network="devnet",
            member=m,
            kind=kind,
            block_number=block,
            log_index=0,
            tx_hash=hexid(rng),
            timestamp=at,
        )
        for m in history.members
        for kind, at, block in (
            ("joined", m.joined_at, m.joined_block),
            ("left", m.left_at, m.left_block),
        )
        if at is not None
    ]
    blocks = sorted({s.block_number: s.block_time for s in history.submissions}.items())
    declarations, assignments = fingerprint_rows(history, rng)
    last_block, last_time = blocks[-1]
    now = last_time
    for model, rows in (
        (Member, history.members),
        (MembershipEvent, events),
        (Round, history.rounds),
        (Submission, history.submissions),
        (OnChainUpdate, history.updates),
        (Consensus, history.consensus),
        (Verdict, history.verdicts),
        (Declaration, declarations),
        (Assignment, assignments),
    ):
        model.objects.bulk_create(rows, batch_size=2000)
    IndexedBlock.objects.bulk_create(
        [
            IndexedBlock(network="devnet", number=n, hash=hexid(rng), timestamp=int(t.timestamp()))
            for n, t in blocks
        ],
        batch_size=2000,
    )
    Checkpoint.objects.create(network="devnet", block_number=last_block, block_hash=hexid(rng))
    Alert.objects.bulk_create(
        [
            Alert(
                network="devnet",
                rule="implementation_share",
                key=f"share:treegen:{name}",
                severity=severity,
                title=f"{name} {severity}",
                message="bench",
                opened_at=now,
                last_seen_at=now,
            )
            for name, severity in (("smartnode-treegen", "critical"), ("treegen-rs", "warning"))
        ]
    )
    state.bump(*state.PARTS)  # the fill is a writer too: no cache may hold pages from before it
    return {
        "members": len(history.members),
        "rounds": len(history.rounds),
        "submissions": len(history.submissions),
        "assignments": len(assignments),
        "blocks": len(blocks),
    }


def list_endpoints() -> list[str]:
    from django.urls import NoReverseMatch, reverse

    from towerwatch.api_urls import router

    urls = []
    for _, _, basename in router.registry:
        try:
            urls.append(reverse(f"{basename}-list"))
        except NoReverseMatch:
            continue
    return urls


def page_urls() -> list[str]:
    """Every dashboard page (the first member, round and alert for the detail pages), and every
    API list."""
    from django.urls import reverse

    from diversity.alerts.models import Alert
    from votes.models import Member, Round

    member = Member.objects.order_by("pk").first()
    newest = Round.objects.order_by("-first_seen_block").first()
    alert = Alert.objects.order_by("pk").first()
    return [
        reverse("overview"),
        reverse("members"),
        reverse("member", args=[member.address]),
        reverse("rounds"),
        reverse("round", args=[newest.pk]),
        reverse("alerts:list"),
        reverse("alerts:detail", args=[alert.pk]),
        reverse("plan"),
        reverse("model-card"),
        reverse("declare"),
        *list_endpoints(),
    ]


def after_change_ms(client, url: str) -> float:
    """One request right after every part of the state changed: what computing it costs."""
    from votes import state

    state.bump(*state.PARTS)
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def time_url(client, url: str, requests: int) -> tuple[float, float, int, int]:
    """(p50 ms, p95 ms, status, queries per request) over `requests` timed GETs."""
    from django.db import connection

    for _ in range(3):
        response = client.get(url)
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    return statistics.median(timings), cuts[94], response.status_code, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="towerwatch-bench-"))
    setup_django(os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'bench-web.sqlite3'}")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    if connection.vendor != "sqlite":  # a database of its own, emptied for the run
        call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    counts = fill(random.Random(SEED))
    print(f"filled {connection.vendor} in {time.perf_counter() - started:.1f} s: {counts}")
    client = Client()
    urls = page_urls()
    print(f"{'url':<58} {'changed ms':>10} {'p50 ms':>8} {'p95 ms':>8} {'status':>6} queries")
    for url in urls:
        changed = after_change_ms(client, url)
        p50, p95, status, queries = time_url(client, url, options.requests)
        print(f"{url:<58} {changed:10.1f} {p50:8.1f} {p95:8.1f} {status:>6} {queries:>7}")
    print(f"urls: {json.dumps(urls)}")
    if not options.keep and connection.vendor == "sqlite":
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    elif connection.vendor == "sqlite":
        print(f"database kept: {folder / 'bench-web.sqlite3'}")


if __name__ == "__main__":
    main()
