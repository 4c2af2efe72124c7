"""The reliability table: each fault or hostile input injected by this run, how many times, and
what was lost (rows, alerts, deliveries, accepted forgeries, server errors), every figure
counted here against ground truth.

`measure_reliability()` runs the hostile-input scenarios on the configured database inside a
transaction that is rolled back (nothing they write stays, and nothing they queue is sent).
The chain and process faults (bench_devnet_faults.py) and the Redis outage
(bench_alert_outage.py) need committed rows that other processes read, so they run in a
sandbox: a database and a folder of the run's own (reliability_sandbox.py). A scenario that
fails to run reports its error instead of figures; the others still run.
"""

import random
import traceback
import zlib
from collections.abc import Callable

import zstandard
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings

from bench.bench_alert_outage import redis_outage
from bench.bench_devnet_faults import devnet_faults
from bench.bench_faults import forge_declarations
from bench.reliability_config import BENCH, ReliabilityRun
from bench.reliability_sandbox import sandbox
from diversity.alerts.urlsafety import UnsafeURL, check_url
from diversity.rewardstree import RewardsFileError, verify_rewards_bytes
from reliability.route_walk import RouteWalker
from reliability.routes import published_routes
from reliability.scenario import Scenario, run_scenarios
from reliability.schema_fuzz import fuzz_api, staff_headers

SEED = 16
UNTHROTTLED = {"declarations": "1000000/hour", "expensive_reads": "1000000/hour"}
# As production answers (DEBUG off: no technical error pages), every request let through.
AS_SERVED = {"TOWERWATCH_THROTTLE_RATES": UNTHROTTLED, "ALLOWED_HOSTS": ["*"]}
PRIVATE_ADDRESSES = ("127.0.0.1", "10.0.0.5", "172.16.9.9", "192.168.1.1", "169.254.169.254",
                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1",
                     "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1")  # fmt: skip
UNSAFE_URLS = ("http://hooks.example.org/x", "https://localhost/x", "https://127.0.0.1/x",
               "ftp://hooks.example.org/x", "https://u:p@[::1]/", "file:///etc/passwd")  # fmt: skip


def measure_reliability(run: ReliabilityRun = BENCH) -> dict:
    table = run_scenarios({
        "hostile rewards files": lambda: hostile_rewards_files(run.rewards_files),
        "forged declarations": lambda: forged_declarations(run.forgery_rounds),
        "SSRF webhook URLs": ssrf_webhook_urls,
        "route walk": lambda: route_walk(run.route_every),
        "schema fuzz": lambda: schema_fuzz(run.fuzz_examples),
    })  # fmt: skip
    try:
        with sandbox() as folder:
            table.update(devnet_faults(run, folder))
            table.update(run_scenarios({"Redis down with alerts queued": lambda: redis_outage(
                folder, run.alerts_in_redis, run.alerts_while_down)}))  # fmt: skip
    except Exception as error:  # the sandbox itself: the hostile-input rows still stand
        traceback.print_exc()
        table["sandbox"] = {"error": f"{type(error).__name__}: {error}"}
    return table


def table_lines(table: dict[str, dict]) -> list[str]:
    """The table as bench/RESULTS.md carries it (a Markdown table)."""
    lines = ["| scenario | injected | times | lost |", "| --- | --- | --- | --- |"]
    for name, figures in table.items():
        if "error" in figures:
            lines.append(f"| {name} | could not run: {figures['error']} | | |")
            continue
        lost = ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in
                         figures["lost"].items())  # fmt: skip
        lines.append(f"| {name} | {figures['injected']} | {figures['times']:,} | {lost} |")
    return lines


def rolled_back(run: Callable[[], Scenario]) -> Scenario:
    """Run with the database as it is, then undo every write (and every on-commit send)."""
    with transaction.atomic():
        outcome = run()
        transaction.set_rollback(True)
    return outcome


def hostile_rewards_files(count: int = 300) -> Scenario:
    """Random bytes, random zstd frames and random JSON as rewards files: none may pass, none
    may raise anything but the verifier's own error."""
    rng = random.Random(SEED)
    scenario = Scenario(
        "random bytes, zstd frames, zlib streams and JSON documents as rewards files"
    )
    scenario.lost = {"accepted": 0, "crashes": 0}
    for index in range(count):
        raw = rng.randbytes(rng.randrange(2000))
        data = (raw, zstandard.compress(raw), zlib.compress(raw), random_json(rng).encode())[
            index % 4
        ]
        scenario.times += 1
        try:
            report = verify_rewards_bytes(data)
        except RewardsFileError:
            continue
        except Exception:
            scenario.lost["crashes"] += 1
            continue
        scenario.lost["accepted"] += report.passed
    return scenario


def random_json(rng: random.Random) -> str:
    keys = ("rulesetVersion", "index", "nodeRewards", "merkleRoot", "network", "x")
    values = ("1", "null", "[]", "{}", '"a"', "-1", "1e999")
    body = ", ".join(f'"{rng.choice(keys)}": {rng.choice(values)}' for _ in range(rng.randrange(6)))
    return "{" + body + "}"


def forged_declarations(rounds: int) -> Scenario:
    return rolled_back(lambda: forge_declarations(rounds))


def ssrf_webhook_urls() -> Scenario:
    """Webhook hosts resolving to private addresses, and URLs that are not https at all."""
    scenario = Scenario(
        "webhook hosts resolving to private, loopback, link-local, mapped and NAT64 addresses; "
        "non-https URLs"
    )
    scenario.lost = {"accepted": 0}
    attempts = [("https://hooks.example.org/x", address) for address in PRIVATE_ADDRESSES]
    attempts += [(url, "127.0.0.1") for url in UNSAFE_URLS]
    for url, address in attempts:
        scenario.times += 1
        try:
            check_url(url, allow_private=False, resolver=lambda host, port, a=address: [a])
        except (UnsafeURL, ValueError):
            continue
        scenario.lost["accepted"] += 1
    return scenario


@override_settings(DEBUG=False, **AS_SERVED)
def route_walk(every: int = 1) -> Scenario:
    """Every `every`-th route the resolver publishes (1: all of them)."""

    def run() -> Scenario:
        staff = User.objects.create_user("bench-walker", is_staff=True, is_superuser=True)
        signed_in = Client()
        signed_in.force_login(staff)
        walker = RouteWalker({"anonymous": Client(), "staff": signed_in})
        report = walker.walk(published_routes()[::every])
        return Scenario(
            f"hostile path, query and form values on {report.routes} routes, anonymous and staff",
            report.requests,
            {"server_errors": report.server_errors, "unclear_answers": len(report.failures)},
        )

    return rolled_back(run)


@override_settings(DEBUG=False, **AS_SERVED)
def schema_fuzz(examples: int) -> Scenario:
    def run() -> Scenario:
        staff = User.objects.create_user("bench-fuzzer", is_staff=True, is_superuser=True)
        reports = [fuzz_api(examples), fuzz_api(examples, staff_headers(staff))]
        return Scenario(
            f"schema-generated requests, fitting and not, {examples} per operation and mode, "
            f"over {reports[0].operations} operations, anonymous and staff",
            sum(r.requests for r in reports),
            {
                "server_errors": sum(r.server_errors for r in reports),
                "schema_violations": sum(len(r.failures) for r in reports),
            },  # fmt: skip
        )

    return rolled_back(run)
