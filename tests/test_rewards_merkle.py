"""The Merkle rules: real mainnet roots reproduced, proofs built and verified, trees built anew."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from diversity.rewardstree import (
    NodeReward,
    RewardsFile,
    build_tree,
    build_tree_for_nodes,
    complete_rewards_file,
    compute_root,
    dumps_rewards_file,
    leaf_data,
    leaf_hash,
    load_json,
    parse_rewards,
    process_proof,
    verify_claim,
    verify_proof,
    verify_rewards_bytes,
    verify_rewards_file,
)
from diversity.rewardstree.keccak import EMPTY_HASH, keccak256, keccak256_many

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rewards-trees"
# Each file's merkleRoot (the root the oDAO submitted, per the data README), written out so a
# changed file cannot also change what the test expects.
ROOTS = {
    0: "0xb839fa0f5842bf3c8f19091361889fb0f1cb399d64b8da476d372b7de7a93463",
    16: "0x72515a30759d598e36aea4b2729ee38136da3da8c3d40c17e8ddaf6381746b61",
    20: "0x55afb0387fb4c1c8e479f49433b996bce1d1c4658cf8e58f7a9ea3d3c5099eb2",
    33: "0x6c71cf2beb6bf80c90a0bed50b2eff376919bf3016ac5102ce403a4bd74c35b3",
    44: "0x72ed38107b2b6c1a0469800af741c04adf5563aebe5a0ae5d77fb9b2354c64a5",
    51: "0x767f99e3831cf2d70ac45b0bc003dce3092205f87c27efd495ef20528d95ef77",
}
TESTNET_ROOTS = {
    0: "0x043794fb69521d213ec0dcad4bf5a923cfff307ef7207533cbec2d3553adf110",
    130: "0xa58123542f77e3987a29b9cf2811ec392aecf6e5483ad0522aa7ee275e26f680",
}
PUBLISHED = {f"rp-rewards-mainnet-{i}.json": root for i, root in ROOTS.items()} | {
    f"rp-rewards-testnet-{i}.json": root for i, root in TESTNET_ROOTS.items()
}
FILES = sorted(PUBLISHED)


def load(name: str) -> RewardsFile:
    parsed = parse_rewards(load_json(DATA / name))
    assert not parsed.problems and parsed.complete
    return parsed.file


def test_every_data_file_is_covered():
    assert sorted(p.name for p in DATA.glob("*.json*")) == FILES


@pytest.mark.parametrize("name", FILES)
def test_real_root_is_reproduced(name):
    rf = load(name)
    root = compute_root(rf.nodes, rf.has_voter_share)
    assert "0x" + root.hex() == PUBLISHED[name] == "0x" + rf.merkle_root.hex()


@pytest.mark.parametrize("name", FILES)
def test_real_file_passes_every_check(name):
    report = verify_rewards_file(DATA / name, expected_roots={"oDAO": PUBLISHED[name]})
    assert report.passed, [c for c in report.checks if not c.passed]
    assert {c.name for c in report.checks} >= {"merkle-root", "submitted-roots", "node-proofs"}


def test_file_versions_one_to_four_are_all_present():
    assert sorted({load(name).version for name in FILES}) == [1, 2, 3, 4]


@pytest.mark.parametrize("name", FILES)
def test_real_file_serialises_byte_for_byte(name):
    assert dumps_rewards_file(load(name)) == (DATA / name).read_bytes()


# -- leaves -----------------------------------------------------------------------------------


def test_leaf_encoding_is_abi_encode_packed():
    node = NodeReward("0x" + "ab" * 20, 1, 2, 3, 4, voter_share_eth=5)
    v3 = leaf_data(node, with_voter_share=False)
    assert len(v3) == 20 + 3 * 32
    assert v3[:20] == bytes.fromhex("ab" * 20)
    assert int.from_bytes(v3[20:52], "big") == 1
    assert int.from_bytes(v3[52:84], "big") == 2 + 3  # collateral + oDAO RPL
    assert int.from_bytes(v3[84:116], "big") == 4
    v4 = leaf_data(node, with_voter_share=True)
    assert v4[:116] == v3 and int.from_bytes(v4[116:], "big") == 5
    assert leaf_hash(node, True) == keccak256(v4)


def test_keccak_is_ethereum_keccak_and_agrees_with_an_independent_implementation():
    from Crypto.Hash import keccak as pycryptodome_keccak

    assert keccak256(b"") == EMPTY_HASH
    assert keccak256(b"abc").hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )
    items = [os.urandom(n) for n in (0, 1, 32, 64, 116, 148, 135, 136, 137, 300)]
    independent = [pycryptodome_keccak.new(data=i, digest_bits=256).digest() for i in items]
    assert keccak256_many(items) == [keccak256(i) for i in items] == independent


# -- tree shape -------------------------------------------------------------------------------


def naive_root(leaves: list[bytes]) -> bytes:
    """The spec, written as plainly as possible: sort, pad with zero hashes, hash sorted pairs."""
    size = 1
    while size < len(leaves):
        size *= 2
    level = sorted(leaves) + [bytes(32)] * (size - len(leaves))
    while len(level) > 1:
        level = [
            keccak256(min(a, b) + max(a, b)) for a, b in zip(level[::2], level[1::2], strict=True)
        ]
    return level[0]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33, 100, 257])
def test_tree_matches_the_plain_spec_and_every_proof_verifies(count):
    leaves = [os.urandom(32) for _ in range(count)]
    tree = build_tree(leaves)
    assert tree.root == naive_root(leaves)
    for leaf in leaves:
        assert verify_proof(leaf, tree.proof(leaf), tree.root)


def test_single_leaf_tree_is_the_leaf_itself():
    leaf = os.urandom(32)
    tree = build_tree([leaf])
    assert tree.root == leaf and tree.proof(leaf) == []


def test_empty_tree_is_refused():
    with pytest.raises(ValueError, match="no leaves"):
        build_tree([])


# -- proofs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rp-rewards-mainnet-20.json", "rp-rewards-mainnet-51.json"])
def test_generated_proofs_equal_published_ones_and_verify(name):
    rf = load(name)
    built = build_tree_for_nodes(rf.nodes, rf.has_voter_share)
    assert built.root == rf.merkle_root
    for node in rf.nodes[:: max(1, len(rf.nodes) // 25)]:
        proof = [bytes.fromhex(h[2:]) for h in built.proofs[node.address]]
        assert built.proofs[node.address] == node.merkle_proof
        assert verify_claim(node, proof, rf.merkle_root, rf.has_voter_share)


def test_tampered_proofs_and_claims_fail():
    rf = load("rp-rewards-mainnet-51.json")
    node, other = rf.nodes[10], rf.nodes[11]
    proof = [bytes.fromhex(h[2:]) for h in node.merkle_proof]
    assert verify_claim(node, proof, rf.merkle_root, True)

    flipped = list(proof)
    flipped[3] = bytes([flipped[3][0] ^ 1]) + flipped[3][1:]
    assert not verify_claim(node, flipped, rf.merkle_root, True)
    assert not verify_claim(node, proof[:-1], rf.merkle_root, True)  # a sibling short
    assert not verify_claim(other, proof, rf.merkle_root, True)  # someone else's proof
    node.smoothing_pool_eth += 1  # claiming one wei more
    assert not verify_claim(node, proof, rf.merkle_root, True)
    node.smoothing_pool_eth -= 1
    node.voter_share_eth += 1  # the v4 field is part of the leaf
    assert not verify_claim(node, proof, rf.merkle_root, True)


def test_proof_fold_order_does_not_matter_for_pairs():
    a, b = os.urandom(32), os.urandom(32)
    assert process_proof(a, [b]) == process_proof(b, [a])


# -- building new trees (the devnet simulator's side) ------------------------------------------


def simulated_file(version: int) -> RewardsFile:
    nodes = [
        NodeReward(
            "0x" + os.urandom(20).hex(),
            reward_network=i % 2,
            collateral_rpl=10**18 * (i + 1),
            oracle_dao_rpl=(10**17 if i < 3 else 0),
            smoothing_pool_eth=10**16 * i,
            voter_share_eth=(10**15 * i if version >= 4 else 0),
        )
        for i in range(37)
    ]
    rf = RewardsFile(version=version, index=7, ruleset_version=11 if version >= 2 else None)
    rf.consensus_start_block = rf.execution_start_block = 1 if version >= 2 else None
    rf.consensus_end_block, rf.execution_end_block = 100, 200
    rf.start_time, rf.end_time = "2026-01-01T00:00:00Z", "2026-01-29T00:00:00Z"
    rf.total_rewards = {"protocolDaoRpl": 5 * 10**18, "poolStakerSmoothingPoolEth": 3 * 10**17}
    rf.nodes = nodes
    return complete_rewards_file(rf)


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_built_file_round_trips_through_the_verifier(version):
    rf = simulated_file(version)
    data = dumps_rewards_file(rf)
    report = verify_rewards_bytes(data, expected_roots=[rf.merkle_root])
    assert report.passed, report.failures
    assert report.computed_root == rf.merkle_root
    assert report.node_count == 37


def test_built_proofs_verify_like_the_distributor():
    rf = simulated_file(4)
    for node in rf.nodes:
        proof = [bytes.fromhex(h[2:]) for h in node.merkle_proof]
        assert verify_claim(node, proof, rf.merkle_root, with_voter_share=True)
