"""Every real file shape verifies; what the checks need stays strict, the rest only warns.

The real files are read from ../shared/data/rewards-trees at test time; the hostile variants are
those files with one field changed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from diversity.rewardstree import verify_rewards_bytes, verify_rewards_file
from diversity.rewardstree.formats import FILE_FORMATS, RULESET_FILE_VERSIONS
from diversity.rewardstree.reader import json_depth

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rewards-trees"
REAL_FILES = sorted(p.name for p in DATA.glob("*.json"))
EXPECTED_WARNINGS = {
    "rp-rewards-mainnet-44.json": ["totalRewards.totalProtocolDaoEth is null"],
    "rp-rewards-testnet-0.json": [
        "consensusStartBlock is missing",
        "executionStartBlock is missing",
    ],
    "rp-rewards-testnet-130.json": ["totalRewards.totalProtocolDaoEth is null"],
}


def doc(name: str) -> dict:
    return json.loads((DATA / name).read_bytes())


def verify(document: dict):
    return verify_rewards_bytes(json.dumps(document).encode())


def failed(report) -> set[str]:
    return {c.name for c in report.failures}


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_real_file_passes_with_exactly_its_warnings(name):
    report = verify_rewards_file(DATA / name)
    assert report.passed, report.failures
    expected = EXPECTED_WARNINGS.get(name, [])
    assert len(report.warnings) == len(expected)
    for warning, start in zip(report.warnings, expected, strict=True):
        assert warning.startswith(start)


def test_the_real_files_cover_every_known_file_version():
    versions = {doc(name)["rewardsFileVersion"] for name in REAL_FILES}
    assert versions == set(FILE_FORMATS)


def test_every_real_ruleset_is_known_and_writes_its_file_version():
    for name in REAL_FILES:
        d = doc(name)
        if "rulesetVersion" in d:
            assert RULESET_FILE_VERSIONS[d["rulesetVersion"]] == d["rewardsFileVersion"]


# -- a 1-wei change anywhere in a node's amounts fails, in every shape -------------------------


def amount_fields(d: dict) -> tuple[str, ...]:
    fields = ("collateralRpl", "oracleDaoRpl", "smoothingPoolEth")
    return fields + (("voterShareEth",) if d["rewardsFileVersion"] >= 4 else ())


@pytest.mark.parametrize("name", REAL_FILES)
@pytest.mark.parametrize("delta", [1, -1])
def test_one_wei_in_any_amount_of_a_node_fails(name, delta):
    d = doc(name)
    addresses = list(d["nodeRewards"])
    for address in (addresses[0], addresses[len(addresses) // 2], addresses[-1]):
        for field in amount_fields(d):
            changed = json.loads(json.dumps(d))
            value = int(changed["nodeRewards"][address][field])
            if value + delta < 0:
                continue
            changed["nodeRewards"][address][field] = str(value + delta)
            report = verify(changed)
            assert {"merkle-root", "node-proofs", "network-sums"} <= failed(report)


def test_every_node_and_amount_of_the_small_testnet_file():
    d = doc("rp-rewards-testnet-0.json")
    for address in d["nodeRewards"]:
        for field in amount_fields(d):
            changed = json.loads(json.dumps(d))
            entry = changed["nodeRewards"][address]
            entry[field] = str(int(entry[field]) + 1)
            assert {"merkle-root", "node-proofs", "network-sums"} <= failed(verify(changed))


# -- needed fields stay strict -------------------------------------------------------------------


@pytest.mark.parametrize("null", [None, "null"])
@pytest.mark.parametrize(
    "name, field",
    [
        ("rp-rewards-mainnet-44.json", "totalCollateralRpl"),
        ("rp-rewards-mainnet-44.json", "protocolDaoRpl"),
        ("rp-rewards-mainnet-51.json", "totalVoterShareEth"),
        ("rp-rewards-testnet-130.json", "poolStakerSmoothingPoolEth"),
    ],
)
def test_a_null_total_the_sums_need_fails(name, field, null):
    d = doc(name)
    d["totalRewards"][field] = null
    report = verify(d)
    assert "schema" in failed(report)
    assert f"totalRewards.{field}: null, but the checks need it" in report.check("schema").message


@pytest.mark.parametrize("field", ["index", "consensusEndBlock", "executionEndBlock"])
def test_a_missing_or_null_header_field_the_submission_commits_to_fails(field):
    d = doc("rp-rewards-testnet-0.json")
    d[field] = None
    assert "schema" in failed(verify(d))
    del d[field]
    assert "schema" in failed(verify(d))


@pytest.mark.parametrize("field", ["collateralRpl", "smoothingPoolEth", "rewardNetwork"])
def test_a_null_node_field_fails_and_the_tree_is_not_rebuilt(field):
    d = doc("rp-rewards-mainnet-44.json")
    address = list(d["nodeRewards"])[7]
    d["nodeRewards"][address][field] = None
    report = verify(d)
    assert failed(report) & {"schema", "amounts"}
    assert "tree not rebuilt" in report.check("merkle-root").message


def test_a_malformed_informational_field_still_fails():
    d = doc("rp-rewards-testnet-0.json")
    d["consensusStartBlock"] = "12"
    report = verify(d)
    assert failed(report) == {"schema"}
    assert "consensusStartBlock" in report.check("schema").message


# -- informational fields only warn --------------------------------------------------------------


def test_v4_file_with_a_null_pdao_eth_and_no_node_weight_passes_with_warnings():
    d = doc("rp-rewards-mainnet-51.json")
    d["totalRewards"] = {"totalProtocolDaoEth": "null", **d["totalRewards"]}
    del d["totalRewards"]["totalNodeWeight"]
    report = verify(d)
    assert report.passed, report.failures
    assert any("totalProtocolDaoEth is null" in w for w in report.warnings)
    assert any("totalNodeWeight is missing" in w for w in report.warnings)


@pytest.mark.parametrize(
    "field", ["startTime", "endTime", "network", "rulesetVersion", "executionStartBlock"]
)
def test_a_null_or_missing_informational_header_field_passes_with_a_warning(field):
    d = doc("rp-rewards-mainnet-16.json")
    d[field] = None
    report = verify(d)
    assert report.passed and any(w.startswith(f"{field} is null") for w in report.warnings)
    del d[field]
    report = verify(d)
    assert report.passed and any(w.startswith(f"{field} is missing") for w in report.warnings)


def test_json_null_is_treated_like_the_null_string():
    d = doc("rp-rewards-mainnet-44.json")
    d["totalRewards"]["totalProtocolDaoEth"] = None
    report = verify(d)
    assert report.passed and report.warnings == [
        "totalRewards.totalProtocolDaoEth is null; "
        "not needed by the tree, the sums or the submission"
    ]


@pytest.mark.parametrize("ruleset, fragment", [(12, "not a ruleset"), (7, "writes file version 2")])
def test_an_unknown_or_mismatched_ruleset_is_a_warning(ruleset, fragment):
    d = doc("rp-rewards-mainnet-33.json")
    d["rulesetVersion"] = ruleset
    report = verify(d)
    assert report.passed
    assert any(fragment in w for w in report.warnings)


# -- an unknown version is one clear failure, not a crash ----------------------------------------


@pytest.mark.parametrize("version", [5, 0, "3", None, 3.0, True])
def test_an_unknown_file_version_is_one_clear_failure(version):
    d = doc("rp-rewards-mainnet-33.json")
    d["rewardsFileVersion"] = version
    report = verify(d)
    assert [c.name for c in report.checks] == ["schema"]
    assert "is not a version this verifier knows (1, 2, 3, 4)" in report.failures[0].message
    assert report.skipped[0][0] == "all other checks"


def test_the_command_reports_warnings_and_unknown_versions(tmp_path):
    out = io.StringIO()
    call_command("verify_rewards", str(DATA / "rp-rewards-testnet-0.json"), stdout=out)
    text = out.getvalue()
    assert "warning: consensusStartBlock is missing" in text
    assert text.rstrip().endswith("result: PASS with 2 warning(s)")
    out = io.StringIO()
    call_command("verify_rewards", str(DATA / "rp-rewards-mainnet-44.json"), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["passed"] and report["warnings"][0].startswith("totalRewards.totalProtocolDaoEth")
    d = doc("rp-rewards-testnet-0.json")
    d["rewardsFileVersion"] = 9
    path = tmp_path / "future.json"
    path.write_text(json.dumps(d))
    with pytest.raises(CommandError) as caught:
        call_command("verify_rewards", str(path), stdout=io.StringIO())
    assert "rewardsFileVersion 9 is not a version this verifier knows" in str(caught.value)


# -- the depth guard agrees with the real nesting ------------------------------------------------

nested = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\:, ax', max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}"\\:ax', max_size=5), children, max_size=4)
    ),
    max_leaves=40,
)


def depth_of(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(nested)
def test_json_depth_equals_the_nesting_of_any_document(value):
    assert json_depth(json.dumps(value).encode()) == depth_of(value)
