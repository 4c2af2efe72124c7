"""The verifier's quickest path, proofs compared as the file's text without decoding them
(`rewardstree.proof_text`), reports exactly what decoding the whole file reports.

It is taken for every real file, and for a file whose proofs are right in another JSON layout;
anything it cannot prove (a bracket in a string, an escape, a proof that differs, an array
elsewhere) sends the file down the careful path, so the report never changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversity.rewardstree import proof_text, verify_rewards_bytes
from diversity.rewardstree import verify as verify_module

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rewards-trees"
REAL_FILES = sorted(p.name for p in DATA.glob("*.json"))
SMALL = (DATA / "rp-rewards-testnet-130.json").read_bytes()


def verify_both_ways(data: bytes) -> tuple[dict, dict, bool]:
    """(report, careful report, whether the quick path answered) for the same bytes."""
    answered = []
    quick = verify_module._verify_with_cut_proofs

    def spy(*args):
        report = quick(*args)
        answered.append(report is not None)
        return report

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify_module, "_verify_with_cut_proofs", spy)
        report = verify_rewards_bytes(data)
    careful = verify_rewards_bytes(data, careful=True)
    return comparable(report), comparable(careful), answered == [True]


def comparable(report) -> dict:
    out = report.to_dict()
    del out["elapsed_ms"]
    return out


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_real_file_takes_the_quick_path_and_reports_as_the_careful_one(name):
    report, careful, quick = verify_both_ways((DATA / name).read_bytes())
    assert quick, "a real file should be verified without decoding its proofs"
    assert report == careful
    assert report["passed"]


def test_a_file_written_in_another_json_layout_still_takes_the_quick_path():
    document = json.loads(SMALL)
    for layout in ({"separators": (",", ":")}, {"indent": "\t"}, {"indent": 4}):
        report, careful, quick = verify_both_ways(json.dumps(document, **layout).encode())
        assert quick and report == careful and report["passed"], layout


def with_proof_text(change) -> bytes:
    """SMALL with the text of node 7's merkleProof array changed."""
    text = SMALL.decode()
    arrays = list(re.finditer(r"\[[^\]]*\]", text))
    target = arrays[7]
    return (text[: target.start()] + change(target.group()) + text[target.end() :]).encode()


@pytest.mark.parametrize(
    "change, passes",
    [
        (lambda a: a.replace('"0x', '"\\u0030x', 1), True),  # an escape: same string
        (lambda a: a.replace('"0x', '"0X', 1), True),  # upper-case prefix: still the hash
        (lambda a: a.replace("\n", "\n ", 1), True),  # this array's layout differs
        (lambda a: a.replace(",", " ,", 1), True),
        (lambda a: a[:-1] + ', "0x' + "0" * 64 + '"]', False),  # one hash too many
        (lambda a: re.sub(r"[0-9a-f](?=\")", "0", a, count=1), False),  # one digit
        (lambda a: a.replace('"0x', '"]0x', 1), False),  # a bracket in a hash
        (lambda a: "[]", False),  # no proof
    ],
)
def test_a_proof_the_quick_path_cannot_prove_is_decided_by_the_careful_one(change, passes):
    report, careful, quick = verify_both_ways(with_proof_text(change))
    assert not quick
    assert report == careful
    assert report["passed"] is passes


@pytest.mark.parametrize(
    "extra",
    [
        '"note": "[a]", ',  # brackets in a string outside the proofs
        '"note": "]", ',  # a lone bracket in a string
        '"note": [], ',  # another array
        '"note": ["0x12"], ',
    ],
)
def test_brackets_that_are_not_proofs_send_the_file_down_the_careful_path(extra):
    text = SMALL.decode().replace("{", "{" + extra, 1)
    report, careful, quick = verify_both_ways(text.encode())
    assert not quick
    assert report == careful


def test_a_second_merkle_proof_key_is_not_taken_for_the_next_nodes_proof():
    """Two arrays in one node entry: the count of arrays no longer equals the nodes."""
    text = SMALL.decode()
    first = text.index('"merkleProof"')
    text = text[:first] + '"merkleProof": [], ' + text[first:]
    report, careful, quick = verify_both_ways(text.encode())
    assert not quick and report == careful
    assert not report["passed"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_bracket_quote_or_digit_put_anywhere_is_reported_as_the_careful_path_reports(data):
    position = data.draw(st.integers(0, len(SMALL)))
    removed = data.draw(st.integers(0, 3))
    inserted = data.draw(st.text(alphabet='[]{}",:0a\\ \n', max_size=3))
    mutated = SMALL[:position] + inserted.encode() + SMALL[position + removed :]
    report, careful, _ = verify_both_ways(mutated)
    assert report == careful


def test_cut_arrays_refuses_nested_or_unpaired_brackets():
    assert proof_text.cut_arrays(b"") is None
    assert proof_text.cut_arrays(b'{"a": 1}') is None
    assert proof_text.cut_arrays(b'{"a": [[]]}') is None
    assert proof_text.cut_arrays(b'{"a": ]["x"]}') is None
    assert proof_text.cut_arrays(b'{"a": ["x"}') is None
    cut = proof_text.cut_arrays(b'{"a": ["x"], "b": ["y", "z"]}')
    assert cut.rest == b'{"a": [], "b": []}'
    assert [cut.content(k) for k in range(len(cut))] == [b'"x"', b'"y", "z"']


def test_brackets_are_found_across_the_blocks_searched_at_a_time():
    """Brackets on both sides of every block edge, among the `Y` and `_` the search sets aside."""
    block = proof_text.SCAN_BLOCK
    data = bytearray(b"Y_ " * (block + 10))
    where = [0, block - 1, block, 2 * block - 1, 2 * block + 1, len(data) - 1]
    for k, offset in enumerate(where):
        data[offset] = ord("[]"[k % 2])
    opens, closes = proof_text._brackets(np.frombuffer(bytes(data), dtype=np.uint8))
    assert opens.tolist() == where[0::2] and closes.tolist() == where[1::2]


def test_a_proof_cut_short_cannot_lend_its_end_to_the_next_one():
    """Node 7's last hash ends in node 8's array: joined, the two contents read as they should,
    but the file is not JSON (the string runs on past node 7's bracket)."""
    text = SMALL.decode()
    arrays = list(re.finditer(r"\[([^\]]*)\]", text))
    seventh, eighth = arrays[7], arrays[8]
    moved = len(seventh.group(1)) - seventh.group(1).rindex('"') + 3  # quote, 2 digits, suffix
    text = (
        text[: seventh.end(1) - moved]
        + text[seventh.end(1) : eighth.start(1)]
        + seventh.group(1)[-moved:]
        + text[eighth.start(1) :]
    )
    report, careful, quick = verify_both_ways(text.encode())
    assert not quick and report == careful
    assert not report["passed"]


def with_entries(entries: list[tuple[str, dict, object]]) -> bytes:
    """SMALL with nodeRewards written from (address, entry, merkleProof) triples, repeats kept."""
    document = json.loads(SMALL)
    texts = [
        f'"{address}": ' + json.dumps({**entry, "merkleProof": proof}, indent=2)
        for address, entry, proof in entries
    ]
    document["nodeRewards"] = "NODES"
    text = json.dumps(document, indent=2)
    return text.replace('"NODES"', "{" + ",\n".join(texts) + "}").encode()


NODES = [(a, e, e["merkleProof"]) for a, e in json.loads(SMALL)["nodeRewards"].items()]


def test_a_repeated_node_cannot_swap_two_nodes_proofs():
    """A, B, then A again: JSON keeps A first with its second entry's value, so the arrays'
    order (B's, then A's second) is no longer the nodes' order. Each array holds the other
    node's path, which the quick path would have taken for right."""
    (a, entry_a, proof_a), (b, entry_b, proof_b), *others = NODES
    swapped = [(a, entry_a, "not a list"), (b, entry_b, proof_a), (a, entry_a, proof_b)]
    data = with_entries(swapped + others)
    report, careful, quick = verify_both_ways(data)
    assert not quick and report == careful
    assert not next(c for c in report["checks"] if c["name"] == "node-proofs")["passed"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_node_entries_repeated_moved_or_given_other_proofs_report_as_the_careful_path(data):
    entries = list(NODES)
    for _ in range(data.draw(st.integers(1, 3))):
        source = data.draw(st.sampled_from(entries))
        proof = data.draw(st.sampled_from([e[2] for e in NODES] + ["x", [], None]))
        where = data.draw(st.integers(0, len(entries)))
        if data.draw(st.booleans()):
            entries.pop(entries.index(source))
        entries.insert(min(where, len(entries)), (source[0], source[1], proof))
    report, careful, _ = verify_both_ways(with_entries(entries))
    assert report == careful
