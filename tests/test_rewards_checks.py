"""Each check catches what it claims to: tampered real files fail, naming the check and the node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diversity.rewardstree import RewardSubmission, verify_rewards_bytes
from diversity.rewardstree.checks import SPLIT_TOLERANCE_WEI_PER_NODE

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rewards-trees"
V3 = "rp-rewards-mainnet-20.json"
V4 = "rp-rewards-mainnet-51.json"


def doc(name: str = V3) -> dict:
    return json.loads((DATA / name).read_bytes())


def verify(document: dict | bytes, **kwargs):
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return verify_rewards_bytes(data, **kwargs)


def failed(report) -> set[str]:
    return {c.name for c in report.failures}


def some_node(document: dict, index: int = 100) -> str:
    return list(document["nodeRewards"])[index]


def test_untouched_file_passes():
    report = verify(doc())
    assert report.passed and not failed(report)
    skipped = dict(report.skipped)
    assert "submitted-roots" in skipped and "amounts-recomputed" in skipped


# -- the acceptance cases ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["collateralRpl", "oracleDaoRpl", "smoothingPoolEth"])
def test_one_wei_more_for_one_node_fails(field):
    d = doc()
    address = some_node(d)
    entry = d["nodeRewards"][address]
    entry[field] = str(int(entry[field]) + 1)
    report = verify(d)
    assert {"merkle-root", "node-proofs", "network-sums"} <= failed(report)
    assert address in report.check("node-proofs").message
    assert "computed 0x" in report.check("merkle-root").message


def test_one_wei_more_voter_share_fails_in_v4():
    d = doc(V4)
    address = some_node(d, 5)
    d["nodeRewards"][address]["voterShareEth"] = str(
        int(d["nodeRewards"][address]["voterShareEth"]) + 1
    )
    report = verify(d)
    assert {"merkle-root", "node-proofs", "network-sums", "total-sums"} <= failed(report)


def test_dropped_node_fails():
    d = doc()
    del d["nodeRewards"][some_node(d)]
    report = verify(d)
    assert {"merkle-root", "network-sums"} <= failed(report)
    assert report.node_count == 2434


def test_duplicate_json_key_fails_the_addresses_check():
    d = doc()
    address = some_node(d)
    text = json.dumps(d)
    entry = json.dumps(d["nodeRewards"][address])
    text = text.replace('"nodeRewards": {', f'"nodeRewards": {{"{address}": {entry}, ', 1)
    report = verify(text.encode())
    assert failed(report) == {"addresses"}  # the dict keeps one copy, so the root still matches
    assert address in report.check("addresses").message
    assert "more than once" in report.check("addresses").message


def test_same_address_in_another_case_fails():
    d = doc()
    address = some_node(d)
    shouting = "0x" + address[2:].upper()
    assert shouting != address
    d["nodeRewards"][shouting] = dict(d["nodeRewards"][address])
    report = verify(d)
    assert {"addresses", "merkle-root", "network-sums"} <= failed(report)
    message = report.check("addresses").message
    assert "case differs" in message and "not lower-case" in message


@pytest.mark.parametrize("cut", [1, 1000, 500_000, -2])
def test_corrupted_json_fails_the_decode_check(cut):
    raw = (DATA / V3).read_bytes()
    report = verify(raw[:cut])
    assert [c.name for c in report.checks] == ["decode"]
    assert "invalid JSON" in report.checks[0].message
    assert not report.passed


def test_garbage_in_the_middle_fails_the_decode_check():
    raw = bytearray((DATA / V3).read_bytes())
    raw[200_000:200_010] = b"!@#$%^&*()"
    report = verify(bytes(raw))
    assert failed(report) == {"decode"}


# -- malformed content ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["-1", "1.5", "1e18", "", " 12", "0x10", 12, None, "9" * 80])
def test_malformed_amounts_fail_the_amounts_or_schema_check(bad):
    d = doc()
    address = some_node(d)
    d["nodeRewards"][address]["collateralRpl"] = bad
    report = verify(d)
    assert failed(report) & {"amounts", "schema"}
    assert "merkle-root" in failed(report)  # the tree cannot be rebuilt with a hole in it
    assert "tree not rebuilt" in report.check("merkle-root").message
    message = (report.check("amounts").message or "") + report.check("schema").message
    assert address in message


@pytest.mark.parametrize("bad", ["0x1234", "0x" + "g" * 40, "ab" * 21, "0x" + "ab" * 21])
def test_malformed_addresses_fail(bad):
    d = doc()
    d["nodeRewards"][bad] = d["nodeRewards"].pop(some_node(d))
    report = verify(d)
    assert "addresses" in failed(report)
    assert "not a 0x-prefixed 20-byte address" in report.check("addresses").message


@pytest.mark.parametrize(
    "field, value",
    [("merkleRoot", None), ("index", "20"), ("rewardsFileVersion", 9), ("endTime", 5)],
)
def test_schema_problems_are_named(field, value):
    d = doc()
    if value is None:
        del d[field]
    else:
        d[field] = value
    report = verify(d)
    assert "schema" in failed(report)
    assert field in report.check("schema").message


def test_a_corrupted_proof_fails_only_the_proof_check():
    d = doc()
    address = some_node(d)
    proof = d["nodeRewards"][address]["merkleProof"]
    proof[2] = proof[2][:-1] + ("0" if proof[2][-1] != "0" else "1")
    report = verify(d)
    assert failed(report) == {"node-proofs"}
    assert address in report.check("node-proofs").message


def test_an_upper_case_proof_still_verifies_by_folding():
    d = doc()
    address = some_node(d)
    d["nodeRewards"][address]["merkleProof"] = [
        "0x" + h[2:].upper() for h in d["nodeRewards"][address]["merkleProof"]
    ]
    assert verify(d).passed


# -- sums -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, check",
    [
        ("totalCollateralRpl", "total-sums"),
        ("totalOracleDaoRpl", "total-sums"),
        ("nodeOperatorSmoothingPoolEth", "total-sums"),
        ("totalSmoothingPoolEth", "smoothing-pool-split"),
        ("poolStakerSmoothingPoolEth", "smoothing-pool-split"),
    ],
)
def test_totals_are_exact_in_v3(field, check):
    d = doc()
    d["totalRewards"][field] = str(int(d["totalRewards"][field]) + 1)
    assert check in failed(verify(d))


def test_network_totals_are_exact():
    d = doc()
    d["networkRewards"]["0"]["collateralRpl"] = str(
        int(d["networkRewards"]["0"]["collateralRpl"]) - 1
    )
    assert {"network-sums", "total-sums"} <= failed(verify(d))


def test_v4_split_holds_within_the_explicit_tolerance_only():
    d = doc(V4)
    report = verify(d)
    split = report.check("smoothing-pool-split")
    assert split.passed and "= 45 wei" in split.message
    tolerance = SPLIT_TOLERANCE_WEI_PER_NODE * len(d["nodeRewards"])
    d["totalRewards"]["totalSmoothingPoolEth"] = str(
        int(d["totalRewards"]["totalSmoothingPoolEth"]) - tolerance
    )
    assert "smoothing-pool-split" in failed(verify(d))


def test_v4_voter_share_total_is_exact():
    d = doc(V4)
    d["totalRewards"]["totalVoterShareEth"] = str(int(d["totalRewards"]["totalVoterShareEth"]) + 1)
    assert "total-sums" in failed(verify(d))


# -- roots submitted by members and the submission struct --------------------------------------


def test_submitted_roots_are_compared_per_member():
    d = doc()
    good, bad = d["merkleRoot"], "0x" + "11" * 32
    assert verify(d, expected_roots={"alice": good, "bob": good}).passed
    report = verify(d, expected_roots={"alice": good, "mallory": bad})
    assert failed(report) == {"submitted-roots"}
    message = report.check("submitted-roots").message
    assert "mallory" in message and "alice" not in message


def test_malformed_expected_root_is_a_usage_error():
    with pytest.raises(ValueError, match="32-byte root"):
        verify(doc(), expected_roots=["0x1234"])


def submission_for(d: dict) -> RewardSubmission:
    tr, net = d["totalRewards"], d["networkRewards"]["0"]
    return RewardSubmission(
        rewardIndex=d["index"],
        executionBlock=d["executionEndBlock"],
        consensusBlock=d["consensusEndBlock"],
        merkleRoot=bytes.fromhex(d["merkleRoot"][2:]),
        merkleTreeCID="",
        intervalsPassed=d["intervalsPassed"],
        treasuryRPL=int(tr["protocolDaoRpl"]),
        trustedNodeRPL=[int(net["oracleDaoRpl"])],
        nodeRPL=[int(net["collateralRpl"])],
        nodeETH=[int(net["smoothingPoolEth"])],
        userETH=int(tr["poolStakerSmoothingPoolEth"]),
    )


@pytest.mark.parametrize("name", [V3, V4])
def test_matching_submission_passes(name):
    d = doc(name)
    report = verify(d, submission=submission_for(d))
    assert report.passed, report.failures
    assert {"submission-header", "submission-amounts"} <= {c.name for c in report.checks}


def test_submission_built_from_the_file_matches_a_hand_built_one():
    from diversity.rewardstree import parse_rewards

    d = doc()
    assert RewardSubmission.from_rewards_file(parse_rewards(d).file) == submission_for(d)


@pytest.mark.parametrize(
    "field, value, check",
    [
        ("rewardIndex", 19, "submission-header"),
        ("executionBlock", 1, "submission-header"),
        ("consensusBlock", 1, "submission-header"),
        ("intervalsPassed", 2, "submission-header"),
        ("merkleRoot", b"\x11" * 32, "submission-header"),
        ("treasuryRPL", 1, "submission-amounts"),
        ("userETH", 1, "submission-amounts"),
        ("trustedNodeRPL", [1], "submission-amounts"),
        ("nodeRPL", [], "submission-amounts"),
        ("nodeETH", None, "submission-amounts"),
    ],
)
def test_submission_mismatch_names_the_field(field, value, check):
    d = doc()
    sub = submission_for(d)
    if value is None:  # an extra network with rewards the file does not have
        sub.nodeETH = [*sub.nodeETH, 5]
    else:
        setattr(sub, field, value)
    report = verify(d, submission=sub)
    assert failed(report) == {check}
    assert field in report.check(check).message


def test_trailing_zero_networks_in_the_submission_are_fine():
    d = doc()
    sub = submission_for(d)
    sub.trustedNodeRPL += [0]
    sub.nodeRPL += [0]
    sub.nodeETH += [0]
    assert verify(d, submission=sub).passed
