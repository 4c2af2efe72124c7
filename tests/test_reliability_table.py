"""`manage.py bench --only reliability --json` carries every scenario issue 16 names, each with
what was injected, how many times (more than none), and what was lost (nothing).

The run is the bench's own, bounded (`--quick`: a few examples of each scenario, one kill of
each kind), so that it fits the suite; `bench --only reliability` without it is the long run.
The scenarios are listed here, from the issue, not taken from the bench: dropping one from the
bench must fail this test.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from reliability import table_lock

pytestmark = [pytest.mark.chain, pytest.mark.redis, pytest.mark.slow]

# The issue's list, and the rows of the table that answer each item.
ISSUE_SCENARIOS = {
    "node gone": ["node gone"],
    "range errors": ["node: eth_getLogs range errors"],
    "reorgs": ["reorg: blocks dropped", "reorg: votes moved to other blocks",
               "reorg: during a range's read", "reorg: shorter chain"],
    "SIGKILL of the indexer": ["SIGKILL: indexer"],
    "SIGKILL of a worker": ["SIGKILL: Celery worker"],
    "Redis down with alerts queued": ["Redis down with alerts queued"],
    "a locked table": ["locked table"],
    "hostile rewards files": ["hostile rewards files"],
    "forged declarations": ["forged declarations"],
    "SSRF webhook URLs": ["SSRF webhook URLs"],
    "the route walk": ["route walk"],
    "the schema fuzz": ["schema fuzz"],
}  # fmt: skip
# What each kind of row must count as lost, at least (a row that counts nothing proves nothing).
LOSSES = {
    "node": {"rows", "extra_rows"},
    "reorg": {"rows", "extra_rows", "stale_blocks"},
    "SIGKILL": {"rows", "extra_rows"},
    "locked table": {"rows", "extra_rows", "half_written_ranges"},
    "Redis down with alerts queued": {"alerts", "deliveries", "sent_twice"},
    "route walk": {"server_errors"},
    "schema fuzz": {"server_errors", "schema_violations"},
}


def expected_losses(name: str) -> set[str]:
    matches = [losses for prefix, losses in LOSSES.items() if name.startswith(prefix)]
    return matches[0] if matches else set()


@pytest.fixture(scope="module")
def reliability(django_db_setup, django_db_blocker) -> dict:
    """The JSON of one bounded run (it makes a database of its own for the chain faults)."""
    if not table_lock.supported():
        pytest.skip("the locked-table scenario needs PostgreSQL")
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("bench", "--only", "reliability", "--json", "--quick", stdout=out)
    return json.loads(out.getvalue())["reliability"]


def test_every_scenario_of_the_issue_is_in_the_json(reliability):
    rows = {row for rows in ISSUE_SCENARIOS.values() for row in rows}
    assert rows <= set(reliability), f"missing: {sorted(rows - set(reliability))}"
    failed = {name: row["error"] for name, row in reliability.items() if "error" in row}
    assert failed == {}


@pytest.mark.parametrize("item", ISSUE_SCENARIOS)
def test_each_scenario_counts_what_it_injected_and_lost_nothing(reliability, item):
    for name in ISSUE_SCENARIOS[item]:
        row = reliability[name]
        assert row["injected"], name
        assert isinstance(row["times"], int) and row["times"] > 0, (name, row)
        assert expected_losses(name) <= set(row["lost"]), (name, row["lost"])
        assert all(isinstance(count, int) for count in row["lost"].values()), (name, row)
        assert row["lost"] and not any(row["lost"].values()), (name, row)
        assert row["clean"] is True
