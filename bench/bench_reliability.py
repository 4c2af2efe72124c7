"""The reliability table: each fault or hostile input injected by this run, how many times, and
what was lost (rows, accepted forgeries, server errors), every figure counted here.

`measure_reliability()` runs the hostile-input scenarios on the configured database inside a
transaction that is rolled back (nothing they write stays, and nothing they queue is sent), then
the node faults of bench/bench_faults.py on a devnet of their own. A scenario that fails to run
reports its error instead of figures; the others still run.
"""

import random
import traceback
import zlib
from collections.abc import Callable
from dataclasses import asdict

import zstandard
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings

from bench.bench_faults import forge_declarations, node_fault_scenarios
from diversity.alerts.urlsafety import UnsafeURL, check_url
from diversity.rewardstree import RewardsFileError, verify_rewards_bytes
from reliability.route_walk import RouteWalker
from reliability.scenario import Scenario
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


def measure_reliability(fuzz_examples: int = 25) -> dict:
    runs: dict[str, Callable[[], Scenario | dict[str, Scenario]]] = {
        "hostile rewards files": hostile_rewards_files,
        "forged declarations": forged_declarations,
        "SSRF webhook URLs": ssrf_webhook_urls,
        "route walk": route_walk,
        "schema fuzz": lambda: schema_fuzz(fuzz_examples),
        "node faults": node_fault_scenarios,
    }
    table: dict[str, dict] = {}
    for name, run in runs.items():
        try:
            outcome = run()
        except Exception as error:  # one broken scenario must not hide the others
            traceback.print_exc()
            table[name] = {"error": f"{type(error).__name__}: {error}"}
            continue
        outcomes = outcome if isinstance(outcome, dict) else {name: outcome}
        table.update(
            {key: {**asdict(value), "clean": value.clean} for key, value in outcomes.items()}
        )
    return table


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
    scenario = Scenario("random bytes, zstd frames and JSON documents as rewards files")
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


def forged_declarations() -> Scenario:
    return rolled_back(forge_declarations)


def ssrf_webhook_urls() -> Scenario:
    """Webhook hosts resolving to private addresses, and URLs that are not https at all."""
    scenario = Scenario("webhook URLs at private, loopback and link-local addresses, non-https")
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
def route_walk() -> Scenario:
    def run() -> Scenario:
        staff = User.objects.create_user("bench-walker", is_staff=True, is_superuser=True)
        signed_in = Client()
        signed_in.force_login(staff)
        report = RouteWalker({"anonymous": Client(), "staff": signed_in}).walk()
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
