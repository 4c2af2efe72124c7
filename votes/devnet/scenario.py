"""Scripted scenarios: what happens to the simulated oDAO and when.

A scenario file is JSON: {"members": [{"watchtower": ..., "treegen": ...}, ...] (optional initial
assignment), "saturn_upgrade_day": N or null, "events": [{"day": D, "type": ..., ...}]}.
The devnet starts at Houston (v1.3.1); the upgrade is Saturn (v1.4). `houston_upgrade_day`, the
key of the days when the devnet's own contracts had a Houston upgrade, is read as the same thing.
Event types and their fields:
  switch        members [indices], watchtower and/or treegen: those members change software
  reach_share   watchtower (or treegen), share: switch members until it runs on that share
  wrong_balance implementation (a watchtower), delta_ppm: its members misreport totalEth that day
  wrong_price   implementation, delta_ppm: likewise for the RPL price
  wrong_root    treegen: its members submit a wrong rewards root for the next interval
  join          watchtower, treegen: a new member joins
  leave / kick  member (index): a member leaves, or is kicked
  offline       member, days: the member's watchtower is down for that many days
  upgrade       the Saturn upgrade (RocketUpgradeOneDotFour.execute(): new contracts, no event)
  setting       contract, path, value: the guardian changes a protocol setting (bootstrap mode),
                e.g. rocketDAOProtocolSettingsNetwork network.submit.balances.frequency
A day starts at 00:00 chain time; rounds open at 06:00, so a day-D event shapes day D's rounds.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

EVENT_TYPES = {
    "switch", "reach_share", "wrong_balance", "wrong_price", "wrong_root",
    "join", "leave", "kick", "offline", "upgrade", "setting",
}  # fmt: skip


@dataclass
class ScenarioEvent:
    day: float
    type: str
    fields: dict


@dataclass
class Scenario:
    members: list[dict] = field(default_factory=list)
    events: list[ScenarioEvent] = field(default_factory=list)


class ScenarioError(ValueError):
    pass


def default_events(days: int) -> list[ScenarioEvent]:
    """Mainnet-like history: a contract upgrade a third of the way in, then membership churn."""
    return [
        ScenarioEvent(max(1, days // 3), "upgrade", {}),
        ScenarioEvent(max(1, days // 2), "join", {}),
        ScenarioEvent(max(1, 2 * days // 3), "leave", {"member": 0}),
    ]


def upgrade_day_of(raw: dict, days: int) -> float | None:
    for key in ("saturn_upgrade_day", "houston_upgrade_day"):
        if key in raw:
            return raw[key]
    return max(1, days // 3)


def load_scenario(path: Path | None, days: int) -> Scenario:
    if path is None:
        return Scenario(events=default_events(days))
    raw = json.loads(Path(path).read_text())
    events = []
    for item in raw.get("events", []):
        if item.get("type") not in EVENT_TYPES:
            raise ScenarioError(f"unknown scenario event type {item.get('type')!r}")
        if "day" not in item:
            raise ScenarioError(f"scenario event {item['type']} needs a day")
        fields = {k: v for k, v in item.items() if k not in ("day", "type")}
        events.append(ScenarioEvent(float(item["day"]), item["type"], fields))
    if raw.get("default_history", True):
        upgrade_day = upgrade_day_of(raw, days)
        if upgrade_day is not None and not any(e.type == "upgrade" for e in events):
            events.append(ScenarioEvent(float(upgrade_day), "upgrade", {}))
    events.sort(key=lambda event: event.day)
    return Scenario(members=raw.get("members", []), events=events)
