"""The verifier knows the shape of every published mainnet rewards file, not only the local ones.

tests/data/published_rewards_headers.json is a survey of rocket-pool/rewards-trees: for each
mainnet/rp-rewards-mainnet-N.json, the commit it was read at, every top-level field except
nodeRewards exactly as published, and the field names of the first node entry. The full files
(up to 3 MB each) stay out of the repository; their headers are what decides whether a file
version, ruleset or field is one the verifier knows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diversity.rewardstree import parse_rewards
from diversity.rewardstree.columns import LEAF_FIELDS, VOTER_FIELD
from diversity.rewardstree.formats import ruleset_warning
from diversity.rewardstree.schema import NOT_NEEDED

SURVEY = json.loads((Path(__file__).parent / "data" / "published_rewards_headers.json").read_text())
BY_FILE = {entry["file"]: entry for entry in SURVEY}
LOCAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rewards-trees"
LOCAL_MAINNET = sorted(p.name for p in LOCAL.glob("rp-rewards-mainnet-*.json"))
# Version 1 files (mainnet 0-14) give each node its smoothing-pool eligibility rate (0 to 1, a
# float from interval 1 on). It is not in the leaf; the verifier keeps it as an extra field.
KEPT_EXTRAS = {"smoothingPoolEligibilityRate"}


def interval(name: str) -> int:
    return int(name.removeprefix("rp-rewards-mainnet-").removesuffix(".json"))


def in_range(spec: str, n: int) -> bool:
    """Whether interval n is in a FileFormat.mainnet_intervals range ("0-14" or "46 on")."""
    if spec.endswith(" on"):
        return n >= int(spec.removesuffix(" on"))
    low, high = spec.split("-")
    return int(low) <= n <= int(high)


@pytest.mark.parametrize("name", list(BY_FILE))
def test_every_published_header_parses_as_a_known_version_with_only_informational_warnings(name):
    # nodeRewards is left empty: the survey has no nodes, and an empty object is no problem.
    header = BY_FILE[name]["header"]
    parsed = parse_rewards({**header, "nodeRewards": {}})
    assert parsed.format is not None and parsed.format.version == header["rewardsFileVersion"]
    assert in_range(parsed.format.mainnet_intervals, interval(name))
    assert parsed.problems == {}
    for warning in parsed.warnings:
        assert warning.endswith((f" is null; {NOT_NEEDED}", f" is missing; {NOT_NEEDED}"))


@pytest.mark.parametrize("name", list(BY_FILE))
def test_every_published_ruleset_is_known_and_writes_its_files_version(name):
    header = BY_FILE[name]["header"]  # mainnet 0-3 ran ruleset 1, which wrote no rulesetVersion
    assert ruleset_warning(header["rewardsFileVersion"], header.get("rulesetVersion")) is None


@pytest.mark.parametrize("name", list(BY_FILE))
def test_every_published_node_entry_has_its_versions_leaf_fields_and_only_kept_extras(name):
    entry = BY_FILE[name]
    leaf = {*LEAF_FIELDS, *([VOTER_FIELD] if entry["header"]["rewardsFileVersion"] >= 4 else [])}
    fields = set(entry["first_node_fields"])
    assert leaf <= fields
    assert fields - leaf <= KEPT_EXTRAS


def test_the_eligibility_rate_of_version_1_nodes_is_kept_as_an_extra_not_a_problem():
    node = dict.fromkeys(("collateralRpl", "oracleDaoRpl", "smoothingPoolEth"), "1")
    node |= {"rewardNetwork": 0, "merkleProof": [], "smoothingPoolEligibilityRate": 0.164312}
    header = BY_FILE["rp-rewards-mainnet-1.json"]["header"]
    parsed = parse_rewards({**header, "nodeRewards": {"0x" + "11" * 20: node}})
    assert parsed.problems == {}
    assert parsed.file.nodes[0].extra == {"smoothingPoolEligibilityRate": 0.164312}


def test_the_survey_covers_every_interval_from_0_with_no_gap_and_matching_indexes():
    assert [interval(name) for name in BY_FILE] == list(range(len(SURVEY)))
    assert [entry["header"]["index"] for entry in SURVEY] == list(range(len(SURVEY)))


@pytest.mark.parametrize("name", LOCAL_MAINNET)
def test_the_local_mainnet_files_have_exactly_the_surveyed_header(name):
    local = json.loads((LOCAL / name).read_bytes())
    first_node = next(iter(local.pop("nodeRewards").values()))
    assert local == BY_FILE[name]["header"]
    assert sorted(first_node) == BY_FILE[name]["first_node_fields"]
