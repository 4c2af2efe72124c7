"""Turn decoded JSON into a RewardsFile, collecting every input problem instead of stopping.

Problems are grouped by the check that reports them ("schema", "addresses", "amounts"), so the
verifier can say exactly what is wrong with a file and still run the checks that do not depend
on the broken part. Which fields are needed and which are only informational is decided by the
file version's entry in `formats`: a missing or null informational field is a warning, never a
problem. An unknown version stops parsing there: without its format nothing can be checked.

A node entry whose leaf cannot be encoded (bad address, amount or network) is left out of
`RewardsFile.nodes` and `ParsedFile.complete` becomes False: the tree cannot be rebuilt from a
file with holes. A bad merkleProof does not drop the node (it is not in the leaf).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .columns import NodeColumns, read_columns
from .formats import (
    INFORMATIONAL_HEADER,
    NEEDED_HEADER_INTS,
    NETWORK_AMOUNTS,
    NULL_AMOUNT,
    TEXT,
    TIME,
    FileFormat,
    file_format,
    ruleset_warning,
    unknown_version_message,
)
from .model import NetworkRewards, NodeReward, RewardsFile
from .values import amount, hash32, is_address, show, uint

KNOWN_NODE_KEYS = {"rewardNetwork", "merkleProof", "voterShareEth", *NETWORK_AMOUNTS}
KNOWN_HEADER_KEYS = {
    *NEEDED_HEADER_INTS,
    *INFORMATIONAL_HEADER,
    "merkleRoot",
    "totalRewards",
    "networkRewards",
    "nodeRewards",
}
NOT_NEEDED = "not needed by the tree, the sums or the submission"


@dataclass
class ParsedFile:
    """A RewardsFile plus the problems (failures) and warnings found while reading it."""

    file: RewardsFile
    problems: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    complete: bool = True  # every node entry made it into file.nodes
    format: FileFormat | None = None  # None: not a known file version, nothing was parsed
    columns: NodeColumns | None = None  # the nodes read column-wise, when all were well-formed
    # (then `file.nodes` is empty if parsed `with_nodes=False`: use `node_columns()`)

    def node_columns(self) -> NodeColumns:
        """The nodes as columns: as read, or gathered from `file.nodes` after a per-entry read."""
        if self.columns is None:
            self.columns = NodeColumns.from_nodes(self.file.nodes, self.file.has_voter_share)
        return self.columns

    def add(self, check: str, message: str) -> None:
        self.problems.setdefault(check, []).append(message)


def parse_rewards(obj: object, *, with_nodes: bool = True) -> ParsedFile:
    """Parse a decoded rewards JSON object; never raises on bad content.

    `with_nodes=False` is for the verifier, which reads the nodes as columns only: when every
    entry is well-formed, `file.nodes` is left empty and `columns` holds them (building ~2,600
    NodeReward objects would cost about as much as all the checks).
    """
    parsed = ParsedFile(RewardsFile(version=0, index=0))
    if not isinstance(obj, dict):
        parsed.add("schema", f"top level is {type(obj).__name__}, expected a JSON object")
        parsed.complete = False
        return parsed
    version = obj.get("rewardsFileVersion")
    parsed.format = file_format(version)
    if parsed.format is None:
        parsed.add("schema", unknown_version_message(version))
        parsed.complete = False
        return parsed
    parsed.file.version = version
    _note_duplicates(parsed, obj, "top level", "schema")
    _parse_header(parsed, obj)
    _parse_totals(parsed, obj)
    _parse_networks(parsed, obj)
    _parse_nodes(parsed, obj, with_nodes)
    return parsed


def _note_duplicates(parsed: ParsedFile, obj: dict, where: str, check: str) -> None:
    for key in getattr(obj, "duplicates", ()):
        parsed.add(check, f"{where}: key {show(key)} appears more than once in the JSON")


def _parse_header(parsed: ParsedFile, obj: dict) -> None:
    rf = parsed.file
    values = {}
    for name in NEEDED_HEADER_INTS[1:]:
        values[name] = uint(obj.get(name))
        if values[name] is None:
            parsed.add("schema", f"{name}: missing or not a non-negative integer")
    rf.index = values["index"] or 0
    rf.consensus_end_block = values["consensusEndBlock"] or 0
    rf.execution_end_block = values["executionEndBlock"] or 0
    rf.intervals_passed = values["intervalsPassed"] or 0
    info = _informational_header(parsed, obj)
    rf.network = info.get("network", "")
    rf.start_time, rf.end_time = info.get("startTime", ""), info.get("endTime", "")
    rf.ruleset_version = info.get("rulesetVersion")
    rf.consensus_start_block = info.get("consensusStartBlock")
    rf.execution_start_block = info.get("executionStartBlock")
    if note := ruleset_warning(rf.version, rf.ruleset_version):
        parsed.warnings.append(note)
    root = hash32(obj.get("merkleRoot"))
    if root is None:
        parsed.add("schema", "merkleRoot: missing or not a 0x-prefixed 32-byte hex string")
    rf.merkle_root = root or b""
    rf.extra = {k: v for k, v in obj.items() if k not in KNOWN_HEADER_KEYS}


def _informational_header(parsed: ParsedFile, obj: dict) -> dict:
    """The informational fields that are there and well-formed; warnings for absent ones."""
    found = {}
    for name, kind in INFORMATIONAL_HEADER.items():
        value = obj.get(name)
        if value is None:
            if name in obj or name in parsed.format.expected_header:
                state = "null" if name in obj else "missing"
                parsed.warnings.append(f"{name} is {state}; {NOT_NEEDED}")
        elif _has_shape(value, kind):
            found[name] = value
        else:
            parsed.add("schema", f"{name}: {show(value)} is not {_SHAPE_NAMES[kind]}")
    return found


_SHAPE_NAMES = {TEXT: "a string", TIME: "an RFC 3339 time", "uint": "a non-negative integer"}


def _has_shape(value: object, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == TIME:
        return _is_timestamp(value)
    return uint(value) is not None


def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _parse_totals(parsed: ParsedFile, obj: dict) -> None:
    totals = obj.get("totalRewards")
    if not isinstance(totals, dict):
        parsed.add("schema", "totalRewards: missing or not an object")
        return
    _note_duplicates(parsed, totals, "totalRewards", "schema")
    needed = parsed.format.totals
    for name in needed:
        if totals.get(name) in (None, NULL_AMOUNT):
            state = "missing" if name not in totals else "null"
            parsed.add("schema", f"totalRewards.{name}: {state}, but the checks need it")
    for name in parsed.format.expected_totals:
        if name not in totals:
            parsed.warnings.append(f"totalRewards.{name} is missing; {NOT_NEEDED}")
    for name, value in totals.items():
        number = amount(value)
        if number is not None:
            parsed.file.total_rewards[name] = number
        elif value in (None, NULL_AMOUNT):
            if name not in needed:
                parsed.warnings.append(f"totalRewards.{name} is null; {NOT_NEEDED}")
                parsed.file.total_rewards[name] = None
        else:
            parsed.add(
                "amounts", f"totalRewards.{show(name)}: {show(value)} is not a decimal wei amount"
            )


def _parse_networks(parsed: ParsedFile, obj: dict) -> None:
    networks = obj.get("networkRewards")
    if not isinstance(networks, dict):
        parsed.add("schema", "networkRewards: missing or not an object")
        return
    _note_duplicates(parsed, networks, "networkRewards", "schema")
    for key, entry in networks.items():
        where = f"networkRewards[{show(key)}]"
        if not (key.isascii() and key.isdigit() and len(key) <= 78) or not isinstance(entry, dict):
            parsed.add("schema", f"{where}: key must be a decimal network id and value an object")
            continue
        values = {}
        for name in NETWORK_AMOUNTS:
            values[name] = amount(entry.get(name))
            if values[name] is None:
                check = "schema" if name not in entry else "amounts"
                parsed.add(
                    check, f"{where}.{name}: {show(entry.get(name))} is not a decimal wei amount"
                )
        parsed.file.network_rewards[int(key)] = NetworkRewards(
            values["collateralRpl"] or 0,
            values["oracleDaoRpl"] or 0,
            values["smoothingPoolEth"] or 0,
        )


def _parse_nodes(parsed: ParsedFile, obj: dict, with_nodes: bool) -> None:
    nodes = obj.get("nodeRewards")
    if not isinstance(nodes, dict):
        parsed.add("schema", "nodeRewards: missing or not an object")
        parsed.complete = False
        return
    for key in getattr(nodes, "duplicates", ()):
        parsed.add("addresses", f"node {key} appears more than once (duplicate JSON key)")
    with_voter = parsed.format.voter_share
    parsed.columns = read_columns(nodes, with_voter)
    if parsed.columns is not None:
        if with_nodes:
            parsed.file.nodes = parsed.columns.to_nodes()
        return
    seen: dict[str, str] = {}
    for key, entry in nodes.items():
        node = _parse_node(parsed, key, entry, with_voter)
        if node is None:
            parsed.complete = False
            continue
        if node.address in seen:
            parsed.add("addresses", f"node {key} duplicates {seen[node.address]} (case differs)")
        seen[node.address] = key
        parsed.file.nodes.append(node)


def _parse_node(parsed: ParsedFile, key: str, entry: object, with_voter: bool) -> NodeReward | None:
    """One node entry, or None (with the problem recorded) when it cannot be encoded as a leaf."""
    if not is_address(key):
        parsed.add("addresses", f"node key {show(key)} is not a 0x-prefixed 20-byte address")
        return None
    if key != key.lower():
        parsed.add("addresses", f"node key {key} is not lower-case")
    if not isinstance(entry, dict):
        parsed.add("schema", f"nodeRewards[{key}]: not an object")
        return None
    ok = True
    for dup in getattr(entry, "duplicates", ()):
        parsed.add("schema", f"nodeRewards[{key}]: key {show(dup)} appears more than once")
    network = uint(entry.get("rewardNetwork"))
    if network is None:
        parsed.add("schema", f"nodeRewards[{key}].rewardNetwork: missing or not an integer")
        ok = False
    values = []
    for name in parsed.format.node_amounts:
        value = entry.get(name)
        number = amount(value)
        if number is None:
            check = "amounts" if name in entry else "schema"
            parsed.add(
                check, f"nodeRewards[{key}].{name}: {show(value)} is not a decimal wei amount"
            )
            ok = False
        values.append(number)
    proof = entry.get("merkleProof")
    if not isinstance(proof, list):
        parsed.add("schema", f"nodeRewards[{key}].merkleProof: missing or not a list")
        proof = []  # not part of the leaf: the node still counts, the proof check will fail
    if not ok:
        return None
    extra = {k: v for k, v in entry.items() if k not in KNOWN_NODE_KEYS}
    voter = values[3] if with_voter else 0
    return NodeReward(key.lower(), network, values[0], values[1], values[2], voter, proof, extra)
