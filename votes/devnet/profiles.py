"""Implementation profiles: how a watchtower or treegen behaves on-chain, read from a data file.

Profiles are data so that a new implementation (or an unseen one, for testing the classifier)
needs a JSON file, not code.

An implementation has releases, and a release is the implementation's behaviour with a few
fields changed (smartnode changed its fee rule twice and its forced gas limit once): an entry's
own fields describe its default release (`version`), and each item of its optional `releases`
list is a version with the fields that differ. A member runs a label: `smartnode` (the default
release) or `smartnode@1.17.3`. A later file's entry for a known implementation adds releases
to it, and replaces its default release only if the entry names a `version`.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PROFILES = Path(__file__).resolve().parent / "profiles" / "default.json"
DUTIES = ("balances", "prices", "rewards", "scrub", "penalty", "bond_cancel", "megapool_penalty")


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


class ProfileError(ValueError):
    pass


class Releases(Mapping):
    """The profiles of one kind by label: `name` is the implementation's default release,
    `name@version` that release. Iterating gives implementation names."""

    def __init__(self, kind: str):
        self.kind = kind
        self.by_name: dict[str, dict[str, WatchtowerProfile | TreegenProfile]] = {}
        self.defaults: dict[str, str] = {}

    def __getitem__(self, label: str):
        name, _, version = label.partition("@")
        releases = self.by_name.get(name)
        if releases is None or (version or self.defaults[name]) not in releases:
            raise KeyError(f"no {self.kind} profile {label!r}")
        return releases[version or self.defaults[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.defaults)

    def __len__(self) -> int:
        return len(self.defaults)

    def releases_of(self, name: str) -> list:
        """Every release of the implementation, in the order the files list them."""
        return list(self.by_name.get(name, {}).values())

    def resolve(self, label: str) -> tuple[str, str]:
        """(implementation, version) of a label; the version is empty for an unknown name."""
        name, _, version = label.partition("@")
        return name, version or self.defaults.get(name, "")


@dataclass
class ProfileSet:
    watchtowers: Releases
    treegens: Releases
    default_mix: dict[str, dict[str, int]]


def _watchtower(name: str, raw: dict) -> WatchtowerProfile:
    label = f"{name}@{raw['version']}"
    unknown = set(raw["duties"]) - set(DUTIES)
    if unknown:
        raise ProfileError(f"watchtower {label}: unknown duties {sorted(unknown)}")
    if raw["tx_type"] not in (0, 2):
        raise ProfileError(f"watchtower {label}: tx_type must be 0 or 2")
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


BUILDERS = {"watchtowers": _watchtower, "treegens": _treegen}


def _add_entry(table: Releases, raws: dict, name: str, body: dict, build) -> None:
    """One file's entry: its default release (if it names a version) and its releases, each
    built on the entry's fields, which build on the known default release's."""
    known = raws.setdefault(name, {})
    base = {**known.get(table.defaults.get(name), {}), **body}
    base.pop("releases", None)
    new_default = "version" in body or name not in table.defaults
    entries = [base] if new_default else []
    entries += [{**base, **release} for release in body.get("releases", [])]
    for raw in entries:
        try:
            profile = build(name, raw)
        except KeyError as missing:
            label = f"{name}@{raw.get('version', '?')}"
            raise ProfileError(f"profile {label} is missing the field {missing}") from None
        known[profile.version] = raw
        table.by_name.setdefault(name, {})[profile.version] = profile
    if new_default:
        table.defaults[name] = base["version"]


def load_profiles(extra: Path | None = None) -> ProfileSet:
    """The shipped profiles, extended (and overridden by name) by those in `extra`."""
    files = [json.loads(DEFAULT_PROFILES.read_text())]
    if extra is not None:
        files.append(json.loads(Path(extra).read_text()))
    profiles = ProfileSet(Releases("watchtower"), Releases("treegen"), {})
    raws: dict[str, dict] = {"watchtowers": {}, "treegens": {}}
    for raw in files:
        for kind, build in BUILDERS.items():
            table = getattr(profiles, kind)
            for name, body in raw.get(kind, {}).items():
                _add_entry(table, raws[kind], name, body, build)
        profiles.default_mix = raw.get("default_mix", profiles.default_mix)
    return profiles
