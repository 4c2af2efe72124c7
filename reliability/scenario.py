"""One row of the reliability table: what a run injected, how many times, and what it lost; and
how the rows are gathered, so that one scenario that cannot run hides none of the others."""

import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Scenario:
    injected: str
    times: int = 0
    lost: dict[str, int] = field(default_factory=dict)  # rows, forgeries accepted, 5xx, …

    @property
    def clean(self) -> bool:
        return not any(self.lost.values())


Run = Callable[[], "Scenario | dict[str, Scenario]"]


def run_scenarios(runs: dict[str, Run]) -> dict[str, dict]:
    """Each run's rows (a run may give several, keyed by name), as plain dicts with `clean`;
    a run that raises gives {"error": ...} under its own name instead."""
    table: dict[str, dict] = {}
    for name, run in runs.items():
        try:
            outcome = run()
        except Exception as error:  # one broken scenario must not hide the others
            traceback.print_exc()
            table[name] = {"error": f"{type(error).__name__}: {error}"}
            continue
        outcomes = outcome if isinstance(outcome, dict) else {name: outcome}
        table.update({key: row(value) for key, value in outcomes.items()})
    return table


def row(scenario: Scenario) -> dict:
    return {**asdict(scenario), "clean": scenario.clean}
