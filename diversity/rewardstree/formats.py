"""The rewards-file versions and rulesets this verifier knows, in one table.

Each field of a file is either *needed* or *informational*. Needed fields are what the Merkle
leaves, the sums, or the on-chain submission depend on: missing, null or malformed, they fail
the schema or amounts check. Informational fields (times, start blocks, ruleset, node weight...)
are only reported: published files really do omit or null some of them. smartnode writes
the start blocks with Go's `omitempty`, so a zero start block (testnet interval 0) is simply
absent, and it writes an unset big integer as the string "null" (mainnet 44's
`"totalProtocolDaoEth": "null"`). Missing or null, such a field is a warning; present with the
wrong type it still fails, because no generator writes that.

Adding a file version means adding a FileFormat here (and teaching `merkle.leaf_data` its leaf,
if it changes); adding a ruleset means one more entry in RULESET_FILE_VERSIONS.
"""

from __future__ import annotations

from dataclasses import dataclass

# Needed in every version: the file's identity and what the submission struct commits to.
NEEDED_HEADER_INTS = (
    "rewardsFileVersion",
    "index",
    "consensusEndBlock",
    "executionEndBlock",
    "intervalsPassed",
)
NEEDED_TOTALS = (
    "protocolDaoRpl",
    "totalCollateralRpl",
    "totalOracleDaoRpl",
    "totalSmoothingPoolEth",
    "poolStakerSmoothingPoolEth",
    "nodeOperatorSmoothingPoolEth",
)
VOTER_SHARE_TOTALS = ("totalVoterShareEth", "smoothingPoolVoterShareEth", "totalPdaoShareEth")
NODE_AMOUNTS = ("collateralRpl", "oracleDaoRpl", "smoothingPoolEth")
NETWORK_AMOUNTS = ("collateralRpl", "oracleDaoRpl", "smoothingPoolEth")

# Informational header fields and the JSON shape each must have when it is there.
TEXT, TIME, UINT = "text", "time", "uint"
INFORMATIONAL_HEADER = {
    "network": TEXT,
    "startTime": TIME,
    "endTime": TIME,
    "rulesetVersion": UINT,
    "consensusStartBlock": UINT,
    "executionStartBlock": UINT,
}
NULL_AMOUNT = "null"  # how smartnode's JSON writes an unset big integer


@dataclass(frozen=True)
class FileFormat:
    """One `rewardsFileVersion`: its leaf and which fields it needs or merely carries."""

    version: int
    mainnet_intervals: str
    node_amounts: tuple[str, ...]  # leaf amounts; voterShareEth adds a fifth leaf field
    totals: tuple[str, ...]  # needed totalRewards fields
    expected_header: tuple[str, ...]  # informational header fields a file of this version has
    expected_totals: tuple[str, ...] = ()  # informational totals a file of this version has

    @property
    def voter_share(self) -> bool:
        """Whether leaves carry the fifth field (voterShareEth)."""
        return "voterShareEth" in self.node_amounts


_V1_HEADER = ("network", "startTime", "endTime")  # rulesetVersion only from interval 4
_V2_HEADER = (*_V1_HEADER, "rulesetVersion", "consensusStartBlock", "executionStartBlock")

FILE_FORMATS = {
    1: FileFormat(1, "0-14", NODE_AMOUNTS, NEEDED_TOTALS, _V1_HEADER),
    2: FileFormat(2, "15-17", NODE_AMOUNTS, NEEDED_TOTALS, _V2_HEADER),
    3: FileFormat(3, "18-45", NODE_AMOUNTS, NEEDED_TOTALS, _V2_HEADER, ("totalNodeWeight",)),
    4: FileFormat(
        4,
        "46 on",
        (*NODE_AMOUNTS, "voterShareEth"),
        (*NEEDED_TOTALS, *VOTER_SHARE_TOTALS),
        _V2_HEADER,
        ("totalNodeWeight",),
    ),
}

# rulesetVersion -> the file version its generator writes. Mainnet intervals 0-3 ran ruleset 1,
# whose files carry no rulesetVersion; then 2 from interval 4, 3 from 5, 4 from 6, 5 from 8,
# 6 from 12, 7 from 15, 8 from 18, 10 from 30, 11 from 46 (9 never ran on mainnet; every
# published header is in tests/data/published_rewards_headers.json).
RULESET_FILE_VERSIONS = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 2, 8: 3, 9: 3, 10: 3, 11: 4}


def file_format(version: object) -> FileFormat | None:
    """The format of this `rewardsFileVersion` value, or None if it is not one we know."""
    return FILE_FORMATS.get(version) if type(version) is int else None


def unknown_version_message(version: object) -> str:
    known = ", ".join(str(v) for v in FILE_FORMATS)
    shown = "missing" if version is None else repr(version)
    return (
        f"rewardsFileVersion {shown} is not a version this verifier knows ({known}): "
        "its leaf encoding and fields are unknown, so nothing else was checked"
    )


def ruleset_warning(file_version: int, ruleset: int | None) -> str | None:
    """A note when the ruleset is unknown or its generator writes another file version."""
    if ruleset is None:
        return None
    writes = RULESET_FILE_VERSIONS.get(ruleset)
    if writes is None:
        known = f"{min(RULESET_FILE_VERSIONS)}-{max(RULESET_FILE_VERSIONS)}"
        return (
            f"rulesetVersion {ruleset} is not a ruleset this verifier knows ({known}); "
            f"the tree and sums were checked by file version {file_version}'s rules"
        )
    if writes != file_version:
        return f"rulesetVersion {ruleset} writes file version {writes}; this file is {file_version}"
    return None
