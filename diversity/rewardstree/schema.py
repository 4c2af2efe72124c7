"""Turn decoded JSON into a RewardsFile, collecting every input problem instead of stopping.

Problems are grouped by the check that reports them ("schema", "addresses", "amounts"), so the
verifier can say exactly what is wrong with a file and still run the checks that do not depend
on the broken part. A node entry whose leaf cannot be encoded (bad address, amount or network)
is left out of `RewardsFile.nodes` and `ParsedFile.complete` becomes False: the tree cannot be
rebuilt from a file with holes. A bad merkleProof does not drop the node (it is not in the leaf).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .model import (
    KNOWN_FILE_VERSIONS,
    VOTER_SHARE_FROM_VERSION,
    NetworkRewards,
    NodeReward,
    RewardsFile,
)
from .values import UINT256_LIMIT, amount, hash32, is_address, show, uint

HEADER_INTS = ("rewardsFileVersion", "index", "consensusEndBlock", "executionEndBlock")
HEADER_INTS_V2 = ("rulesetVersion", "consensusStartBlock", "executionStartBlock")
TOTALS = (
    "protocolDaoRpl",
    "totalCollateralRpl",
    "totalOracleDaoRpl",
    "totalSmoothingPoolEth",
    "poolStakerSmoothingPoolEth",
    "nodeOperatorSmoothingPoolEth",
)
TOTALS_V4 = (
    "totalNodeWeight",
    "totalVoterShareEth",
    "smoothingPoolVoterShareEth",
    "totalPdaoShareEth",
)
NETWORK_FIELDS = ("collateralRpl", "oracleDaoRpl", "smoothingPoolEth")
NODE_AMOUNTS = ("collateralRpl", "oracleDaoRpl", "smoothingPoolEth")
KNOWN_NODE_KEYS = {"rewardNetwork", "merkleProof", "voterShareEth", *NODE_AMOUNTS}
KNOWN_HEADER_KEYS = {
    *HEADER_INTS,
    *HEADER_INTS_V2,
    "network",
    "startTime",
    "endTime",
    "intervalsPassed",
    "merkleRoot",
    "totalRewards",
    "networkRewards",
    "nodeRewards",
}


@dataclass
class ParsedFile:
    """A RewardsFile plus the problems found while reading it."""

    file: RewardsFile
    problems: dict[str, list[str]] = field(default_factory=dict)
    complete: bool = True  # every node entry made it into file.nodes

    def add(self, check: str, message: str) -> None:
        self.problems.setdefault(check, []).append(message)


def parse_rewards(obj: object) -> ParsedFile:
    """Parse a decoded rewards JSON object; never raises on bad content."""
    parsed = ParsedFile(RewardsFile(version=0, index=0))
    if not isinstance(obj, dict):
        parsed.add("schema", f"top level is {type(obj).__name__}, expected a JSON object")
        parsed.complete = False
        return parsed
    _note_duplicates(parsed, obj, "top level", "schema")
    _parse_header(parsed, obj)
    _parse_totals(parsed, obj)
    _parse_networks(parsed, obj)
    _parse_nodes(parsed, obj)
    return parsed


def _note_duplicates(parsed: ParsedFile, obj: dict, where: str, check: str) -> None:
    for key in getattr(obj, "duplicates", ()):
        parsed.add(check, f"{where}: key {show(key)} appears more than once in the JSON")


def _parse_header(parsed: ParsedFile, obj: dict) -> None:
    rf = parsed.file
    version = uint(obj.get("rewardsFileVersion"))
    if version not in KNOWN_FILE_VERSIONS:
        parsed.add("schema", f"rewardsFileVersion {show(obj.get('rewardsFileVersion'))} is not 1-4")
        parsed.complete = False  # unknown leaf encoding
    rf.version = version or 0
    names = HEADER_INTS + (HEADER_INTS_V2 if rf.version >= 2 else ()) + ("intervalsPassed",)
    values = {}
    for name in names:
        values[name] = uint(obj.get(name))
        if values[name] is None:
            parsed.add("schema", f"{name}: missing or not a non-negative integer")
    rf.index = values["index"] or 0
    rf.consensus_end_block = values["consensusEndBlock"] or 0
    rf.execution_end_block = values["executionEndBlock"] or 0
    rf.intervals_passed = values["intervalsPassed"] or 0
    rf.ruleset_version = values.get("rulesetVersion", uint(obj.get("rulesetVersion")))
    rf.consensus_start_block = values.get("consensusStartBlock")
    rf.execution_start_block = values.get("executionStartBlock")
    if not isinstance(obj.get("network"), str):
        parsed.add("schema", "network: missing or not a string")
    for name in ("startTime", "endTime"):
        if not _is_timestamp(obj.get(name)):
            parsed.add("schema", f"{name}: missing or not an RFC 3339 time")
    rf.network = _str(obj.get("network"))
    rf.start_time, rf.end_time = _str(obj.get("startTime")), _str(obj.get("endTime"))
    root = hash32(obj.get("merkleRoot"))
    if root is None:
        parsed.add("schema", "merkleRoot: missing or not a 0x-prefixed 32-byte hex string")
    rf.merkle_root = root or b""
    rf.extra = {k: v for k, v in obj.items() if k not in KNOWN_HEADER_KEYS}


def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _parse_totals(parsed: ParsedFile, obj: dict) -> None:
    totals = obj.get("totalRewards")
    if not isinstance(totals, dict):
        parsed.add("schema", "totalRewards: missing or not an object")
        return
    _note_duplicates(parsed, totals, "totalRewards", "schema")
    required = TOTALS + (TOTALS_V4 if parsed.file.version >= VOTER_SHARE_FROM_VERSION else ())
    for name in required:
        if name not in totals:
            parsed.add("schema", f"totalRewards.{name}: missing")
    for name, value in totals.items():
        number = amount(value)
        if number is None:
            parsed.add(
                "amounts", f"totalRewards.{show(name)}: {show(value)} is not a decimal wei amount"
            )
        else:
            parsed.file.total_rewards[name] = number


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
        for name in NETWORK_FIELDS:
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


def _parse_nodes(parsed: ParsedFile, obj: dict) -> None:
    nodes = obj.get("nodeRewards")
    if not isinstance(nodes, dict):
        parsed.add("schema", "nodeRewards: missing or not an object")
        parsed.complete = False
        return
    for key in getattr(nodes, "duplicates", ()):
        parsed.add("addresses", f"node {key} appears more than once (duplicate JSON key)")
    with_voter = parsed.file.version >= VOTER_SHARE_FROM_VERSION
    seen: dict[str, str] = {}
    append = parsed.file.nodes.append
    for key, entry in nodes.items():
        node = _fast_node(key, entry, with_voter) or _parse_node(parsed, key, entry, with_voter)
        if node is None:
            parsed.complete = False
            continue
        if node.address in seen:
            parsed.add("addresses", f"node {key} duplicates {seen[node.address]} (case differs)")
        seen[node.address] = key
        append(node)


def _digits(value: object) -> bool:
    # Up to 77 decimal digits is always below 2**256 (a 78-digit number).
    return type(value) is str and 0 < len(value) <= 77 and value.isascii() and value.isdigit()


def _fast_node(key: str, entry: object, with_voter: bool) -> NodeReward | None:
    """The common, well-formed entry with no questions asked; None defers to `_parse_node`.

    Half the parse time goes here on a 2,600-node file, hence one flat test instead of the
    per-field bookkeeping `_parse_node` does to explain problems.
    """
    if type(entry) is not dict or len(key) != 42 or key[:2] != "0x" or key != key.lower():
        return None
    try:
        network, proof = entry["rewardNetwork"], entry["merkleProof"]
        c, o, s = entry["collateralRpl"], entry["oracleDaoRpl"], entry["smoothingPoolEth"]
        v = entry["voterShareEth"] if with_voter else "0"
    except KeyError:
        return None
    if not (
        type(network) is int
        and 0 <= network < UINT256_LIMIT
        and type(proof) is list
        and _digits(c)
        and _digits(o)
        and _digits(s)
        and _digits(v)
        and is_address(key)
    ):
        return None
    extra = {}
    if len(entry) > 5 + with_voter:
        extra = {k: x for k, x in entry.items() if k not in KNOWN_NODE_KEYS}
    return NodeReward(key, network, int(c), int(o), int(s), int(v), proof, extra)


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
    names = NODE_AMOUNTS + (("voterShareEth",) if with_voter else ())
    values = []
    for name in names:
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
