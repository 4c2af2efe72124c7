"""One row of the reliability table: what a run injected, how many times, and what it lost."""

from dataclasses import dataclass, field


@dataclass
class Scenario:
    injected: str
    times: int = 0
    lost: dict[str, int] = field(default_factory=dict)  # rows, forgeries accepted, 5xx, …

    @property
    def clean(self) -> bool:
        return not any(self.lost.values())
