"""Implementation profiles: how a watchtower or treegen behaves on-chain, read from a data file.

Profiles are data so that a new implementation (or an unseen one, for testing the classifier)
needs a JSON file, not code.
"""

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PROFILES = Path(__file__).resolve().parent / "profiles" / "default.json"
DUTIES = ("balances", "prices", "rewards", "scrub")


@dataclass(frozen=True)
class WatchtowerProfile:
    name: str
    version: str
    tx_type: int
    fee: dict
    gas_limit: dict
    finality_minutes: float
    poll_minutes: tuple[float, float]
    task_gap_seconds: float
    duties: tuple[str, ...]
    late_votes: bool
    fault_rate: dict


@dataclass(frozen=True)
class TreegenProfile:
    name: str
    version: str
    generation_minutes: tuple[float, float]
    file_format: dict
    merkle_tree_cid: str
    fault_rate: dict


@dataclass
class ProfileSet:
    watchtowers: dict[str, WatchtowerProfile]
    treegens: dict[str, TreegenProfile]
    default_mix: dict[str, dict[str, int]]


class ProfileError(ValueError):
    pass


def _watchtower(name: str, raw: dict) -> WatchtowerProfile:
    unknown = set(raw["duties"]) - set(DUTIES)
    if unknown:
        raise ProfileError(f"watchtower {name}: unknown duties {sorted(unknown)}")
    if raw["tx_type"] not in (0, 2):
        raise ProfileError(f"watchtower {name}: tx_type must be 0 or 2")
    return WatchtowerProfile(
        name=name,
        version=raw["version"],
        tx_type=raw["tx_type"],
        fee=raw["fee"],
        gas_limit=raw["gas_limit"],
        finality_minutes=float(raw["finality_minutes"]),
        poll_minutes=tuple(raw["poll_minutes"]),
        task_gap_seconds=float(raw["task_gap_seconds"]),
        duties=tuple(raw["duties"]),
        late_votes=bool(raw["late_votes"]),
        fault_rate=raw.get("fault_rate", {}),
    )


def _treegen(name: str, raw: dict) -> TreegenProfile:
    return TreegenProfile(
        name=name,
        version=raw["version"],
        generation_minutes=tuple(raw["generation_minutes"]),
        file_format=raw.get("file_format", {}),
        merkle_tree_cid=raw.get("merkle_tree_cid", ""),
        fault_rate=raw.get("fault_rate", {}),
    )


def load_profiles(extra: Path | None = None) -> ProfileSet:
    """The shipped profiles, extended (and overridden by name) by those in `extra`."""
    raws = [json.loads(DEFAULT_PROFILES.read_text())]
    if extra is not None:
        raws.append(json.loads(Path(extra).read_text()))
    profiles = ProfileSet({}, {}, {})
    for raw in raws:
        try:
            for name, body in raw.get("watchtowers", {}).items():
                profiles.watchtowers[name] = _watchtower(name, body)
            for name, body in raw.get("treegens", {}).items():
                profiles.treegens[name] = _treegen(name, body)
        except KeyError as missing:
            raise ProfileError(f"profile is missing the field {missing}") from None
        profiles.default_mix = raw.get("default_mix", profiles.default_mix)
    return profiles
