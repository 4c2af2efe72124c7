"""The individual checks: each returns a CheckResult(name, passed, message).

Which equalities hold, measured on the real files in shared/data/rewards-trees (file versions
1-4: mainnet intervals 0, 16, 20, 33, 44, 51 and testnet intervals 0 and 130):

- exact, every version: per network, the sums over nodes of collateralRpl and oracleDaoRpl equal
  networkRewards[n]; the sums over networks equal totalCollateralRpl and totalOracleDaoRpl.
- exact, v1-v3: sum of node smoothingPoolEth = networkRewards[n].smoothingPoolEth, whose sum over
  networks = nodeOperatorSmoothingPoolEth; totalSmoothingPoolEth = poolStakerSmoothingPoolEth +
  nodeOperatorSmoothingPoolEth.
- exact, v4: networkRewards[n].smoothingPoolEth also carries the voter share, i.e. it equals
  sum(smoothingPoolEth) + sum(voterShareEth) over the network's nodes; the sum over networks
  equals nodeOperatorSmoothingPoolEth + totalVoterShareEth, and totalVoterShareEth = sum of the
  nodes' voterShareEth.
- within rounding, v4 only: totalSmoothingPoolEth vs poolStakerSmoothingPoolEth +
  nodeOperatorSmoothingPoolEth + smoothingPoolVoterShareEth + totalPdaoShareEth (interval 51: the
  parts exceed the total by 45 wei). Tolerance: SPLIT_TOLERANCE_WEI_PER_NODE wei per node entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from itertools import zip_longest

from .columns import NodeColumns
from .model import NetworkRewards, RewardsFile, RewardSubmission
from .schema import ParsedFile
from .values import summarise

SPLIT_TOLERANCE_WEI_PER_NODE = 1


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


def _result(name: str, problems: list[str], ok_message: str) -> CheckResult:
    if problems:
        return CheckResult(name, False, summarise(problems))
    return CheckResult(name, True, ok_message)


def _hex(value: bytes) -> str:
    return "0x" + value.hex() if value else "(none)"


def check_schema(parsed: ParsedFile) -> CheckResult:
    """Needed fields present with the right JSON types; no repeated keys (see formats.py)."""
    rf = parsed.file
    return _result(
        "schema",
        parsed.problems.get("schema", []),
        f"file version {rf.version}, ruleset {rf.ruleset_version}, interval {rf.index}: "
        "all needed fields present",
    )


def check_addresses(parsed: ParsedFile) -> CheckResult:
    """Node keys are lower-case 0x addresses, each once (also across case and repeated keys)."""
    count = len(parsed.node_columns())
    return _result("addresses", parsed.problems.get("addresses", []), f"{count} unique addresses")


def check_amounts(parsed: ParsedFile) -> CheckResult:
    """Every amount is a non-negative decimal integer string below 2**256."""
    return _result("amounts", parsed.problems.get("amounts", []), "all amounts are decimal wei")


def check_file_root(rf: RewardsFile, computed: bytes | None, why_not: str) -> CheckResult:
    """The rebuilt root equals the file's own merkleRoot."""
    if computed is None:
        return CheckResult("merkle-root", False, f"tree not rebuilt: {why_not}")
    if computed != rf.merkle_root:
        return CheckResult(
            "merkle-root", False, f"computed {_hex(computed)} != file {_hex(rf.merkle_root)}"
        )
    return CheckResult("merkle-root", True, f"computed root equals the file's {_hex(computed)}")


def check_submitted_roots(computed: bytes | None, expected: Mapping[str, bytes]) -> CheckResult:
    """The rebuilt root equals the root each member (or other source) submitted."""
    if computed is None:
        return CheckResult("submitted-roots", False, "tree not rebuilt, nothing to compare")
    wrong = [f"{who} submitted {_hex(root)}" for who, root in expected.items() if root != computed]
    if wrong:
        return CheckResult(
            "submitted-roots", False, f"computed {_hex(computed)} but " + summarise(wrong)
        )
    return CheckResult("submitted-roots", True, f"all {len(expected)} submitted roots match")


def _node_sums(columns: NodeColumns) -> dict[int, list[int]]:
    """Per network: the nodes' collateralRpl, oracleDaoRpl, smoothingPoolEth, voterShareEth."""
    voter = columns.voter_share_eth or []
    amounts = (columns.collateral_rpl, columns.oracle_dao_rpl, columns.smoothing_pool_eth, voter)
    networks = set(columns.networks)
    if len(networks) == 1:  # every published file so far: all nodes on network 0
        return {networks.pop(): [sum(values) for values in amounts]}
    sums: dict[int, list[int]] = {}
    for net, *values in zip_longest(columns.networks, *amounts, fillvalue=0):
        totals = sums.setdefault(net, [0, 0, 0, 0])
        for i, value in enumerate(values):
            totals[i] += value
    return sums


def check_network_sums(rf: RewardsFile, columns: NodeColumns) -> CheckResult:
    """Per network: sums over its nodes equal networkRewards[n] exactly (v4: ETH incl. voter)."""
    problems = []
    sums = _node_sums(columns)
    for net in sorted(set(sums) | set(rf.network_rewards)):
        collateral, odao, sp, voter = sums.get(net, [0, 0, 0, 0])
        declared = rf.network_rewards.get(net)
        if declared is None:
            problems.append(f"network {net} has nodes but no networkRewards entry")
            continue
        eth = sp + voter if rf.has_voter_share else sp
        for label, got, want in (
            ("collateralRpl", collateral, declared.collateral_rpl),
            ("oracleDaoRpl", odao, declared.oracle_dao_rpl),
            ("smoothingPoolEth", eth, declared.smoothing_pool_eth),
        ):
            if got != want:
                problems.append(f"network {net} {label}: nodes sum to {got}, file says {want}")
    return _result(
        "network-sums", problems, f"node sums equal networkRewards for {len(sums)} networks"
    )


def check_total_sums(rf: RewardsFile, columns: NodeColumns) -> CheckResult:
    """Sums over networks equal totalRewards exactly (v4: ETH total includes the voter share)."""
    tr, nets = rf.total_rewards, rf.network_rewards.values()
    voter_total = tr.get("totalVoterShareEth", 0) if rf.has_voter_share else 0
    pairs = [
        ("totalCollateralRpl", sum(n.collateral_rpl for n in nets), tr.get("totalCollateralRpl")),
        ("totalOracleDaoRpl", sum(n.oracle_dao_rpl for n in nets), tr.get("totalOracleDaoRpl")),
        (
            "nodeOperatorSmoothingPoolEth"
            + (" + totalVoterShareEth" if rf.has_voter_share else ""),
            sum(n.smoothing_pool_eth for n in nets),
            _add(tr.get("nodeOperatorSmoothingPoolEth"), voter_total),
        ),
    ]
    if rf.has_voter_share:
        nodes_voter = sum(columns.voter_share_eth or ())
        pairs.append(
            ("totalVoterShareEth (sum of nodes)", nodes_voter, tr.get("totalVoterShareEth"))
        )
    problems = [
        f"{label}: parts sum to {got}, file says {want}"
        for label, got, want in pairs
        if got != want
    ]
    return _result("total-sums", problems, "network sums equal totalRewards exactly")


def _add(*values: int | None) -> int | None:
    return None if None in values else sum(values)


def check_smoothing_pool_split(rf: RewardsFile, node_count: int) -> CheckResult:
    """totalSmoothingPoolEth equals the sum of its shares: exact up to v3, within rounding in v4."""
    tr = rf.total_rewards
    names = ["poolStakerSmoothingPoolEth", "nodeOperatorSmoothingPoolEth"]
    tolerance = 0
    if rf.has_voter_share:
        names += ["smoothingPoolVoterShareEth", "totalPdaoShareEth"]
        tolerance = SPLIT_TOLERANCE_WEI_PER_NODE * node_count
    parts, total = _add(*(tr.get(n) for n in names)), tr.get("totalSmoothingPoolEth")
    if parts is None or total is None:
        return CheckResult(
            "smoothing-pool-split", False, "totalRewards lacks a smoothing-pool field"
        )
    diff = parts - total
    detail = f"{' + '.join(names)} - totalSmoothingPoolEth = {diff} wei (tolerance {tolerance})"
    return CheckResult("smoothing-pool-split", abs(diff) <= tolerance, detail)


def check_submission_header(rf: RewardsFile, computed: bytes | None, sub: RewardSubmission):
    """The struct's index, blocks, intervals and root match the file (and the rebuilt root)."""
    pairs = [
        ("rewardIndex", sub.rewardIndex, rf.index),
        ("executionBlock", sub.executionBlock, rf.execution_end_block),
        ("consensusBlock", sub.consensusBlock, rf.consensus_end_block),
        ("intervalsPassed", sub.intervalsPassed, rf.intervals_passed),
        ("merkleRoot vs file", _hex(sub.merkleRoot), _hex(rf.merkle_root)),
    ]
    if computed is not None:
        pairs.append(("merkleRoot vs rebuilt", _hex(sub.merkleRoot), _hex(computed)))
    problems = [
        f"{label}: submitted {got}, file {want}" for label, got, want in pairs if got != want
    ]
    return _result(
        "submission-header",
        problems,
        "index, blocks, intervalsPassed and root match "
        "(merkleTreeCID not checked: it needs the IPFS directory)",
    )


def check_submission_amounts(rf: RewardsFile, sub: RewardSubmission) -> CheckResult:
    """treasuryRPL, userETH and the per-network arrays match the file's totals."""
    tr = rf.total_rewards
    problems = [
        f"{label}: submitted {got}, file {want}"
        for label, got, want in (
            ("treasuryRPL vs protocolDaoRpl", sub.treasuryRPL, tr.get("protocolDaoRpl")),
            (
                "userETH vs poolStakerSmoothingPoolEth",
                sub.userETH,
                tr.get("poolStakerSmoothingPoolEth"),
            ),
        )
        if got != want
    ]
    arrays = (
        ("trustedNodeRPL", sub.trustedNodeRPL, "oracle_dao_rpl"),
        ("nodeRPL", sub.nodeRPL, "collateral_rpl"),
        ("nodeETH", sub.nodeETH, "smoothing_pool_eth"),
    )
    for label, values, attr in arrays:
        for net in sorted(set(range(len(values))) | set(rf.network_rewards)):
            got = values[net] if net < len(values) else 0
            want = getattr(rf.network_rewards.get(net, NetworkRewards()), attr)
            if got != want:
                problems.append(f"{label}[{net}]: submitted {got}, file {want}")
    note = (
        "" if sub.smoothingPoolETH is None else " (v1.4 smoothingPoolETH/treasuryETH not checked)"
    )
    return _result("submission-amounts", problems, "treasuryRPL, userETH and arrays match" + note)
