"""The verifier's fast paths answer exactly as the careful paths they stand in for.

Three shortcuts make verification cheap on well-formed files: node entries read a column at a
time (`columns.read_columns`), repeated JSON keys detected by counting keys instead of hooking
every object (`reader.parse_json`), and proofs compared as joined texts, a few dozen nodes at a
time (`proofs`). Each is checked here against the slow path on real files and hostile variants.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversity.rewardstree import parse_rewards, proofs, schema, verify_rewards_bytes
from diversity.rewardstree.reader import _object_pairs, parse_json

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rewards-trees"
REAL_FILES = sorted(p.name for p in DATA.glob("*.json"))
SMALL = json.loads((DATA / "rp-rewards-testnet-130.json").read_bytes())
SMALL_V4 = json.loads((DATA / "rp-rewards-mainnet-51.json").read_bytes())
SMALL_V4["nodeRewards"] = dict(list(SMALL_V4["nodeRewards"].items())[:5])
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def careful_parse(document: dict, monkeypatch) -> schema.ParsedFile:
    """parse_rewards with the column-wise read turned off: every entry read one by one."""
    with monkeypatch.context() as patch:
        patch.setattr(schema, "read_columns", lambda *args: None)
        return parse_rewards(document)


def same_parse(fast: schema.ParsedFile, careful: schema.ParsedFile) -> None:
    assert fast.file == careful.file
    assert fast.problems == careful.problems
    assert fast.warnings == careful.warnings
    assert fast.complete == careful.complete


# -- node entries read a column at a time ---------------------------------------------------------


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_files_are_read_column_wise_and_equal_the_per_entry_read(name, monkeypatch):
    document = json.loads((DATA / name).read_bytes())
    fast = parse_rewards(document)
    assert fast.columns is not None, "a real file should take the fast path"
    same_parse(fast, careful_parse(document, monkeypatch))


odd_values = (
    st.sampled_from(["", " 1", "1 ", "+1", "-1", "1_000", "１", "²", "0" * 79, "9" * 78, "0x10"])
    | st.sampled_from([True, False, None, 1.0, -1, 2**256, [], {}, "null"])
    | st.integers(0, 2**257)
    | st.text(max_size=6)
)
odd_keys = st.sampled_from(["upper", "short", "space", "no prefix", "0X", "non-hex", "unicode"])


def odd_address(address: str, how: str) -> str:
    return {
        "upper": "0x" + address[2:].upper(),
        "short": address[:-2],
        "space": address[:10] + " " + address[11:],
        "no prefix": "00" + address[2:],
        "0X": "0X" + address[2:],
        "non-hex": address[:-1] + "g",
        "unicode": address[:-1] + "٣",
    }[how]


@FUZZ
@given(
    st.sampled_from([SMALL, SMALL_V4]),
    st.integers(0, 4),
    st.sampled_from(
        [
            "rewardNetwork",
            "collateralRpl",
            "oracleDaoRpl",
            "smoothingPoolEth",
            "voterShareEth",
            "merkleProof",
            "extraField",
        ]
    ),  # fmt: skip
    odd_values,
    st.none() | odd_keys,
)
def test_any_odd_node_entry_is_read_as_the_per_entry_parser_reads_it(
    document, index, field, value, key_change
):
    changed = json.loads(json.dumps(document))
    nodes = changed["nodeRewards"]
    address = list(nodes)[index]
    nodes[address][field] = value
    if key_change:
        nodes[odd_address(address, key_change)] = nodes.pop(address)
    with pytest.MonkeyPatch.context() as patch:
        same_parse(parse_rewards(changed), careful_parse(changed, patch))


def test_a_missing_field_or_a_non_object_entry_is_read_as_the_per_entry_parser_reads_it(
    monkeypatch,
):
    for change in ("drop", "list", "string"):
        changed = json.loads(json.dumps(SMALL))
        address = list(changed["nodeRewards"])[3]
        if change == "drop":
            del changed["nodeRewards"][address]["oracleDaoRpl"]
        else:
            changed["nodeRewards"][address] = [] if change == "list" else "x"
        same_parse(parse_rewards(changed), careful_parse(changed, monkeypatch))


# -- repeated keys found by counting --------------------------------------------------------------

keys = st.sampled_from(["a", "b", 'q"', "c:", "{", "]", "\\", "é", ""])
documents = st.recursive(
    st.none() | st.integers() | st.text(alphabet='ab:{}[]"\\, ', max_size=4),
    lambda children: (
        st.lists(children, max_size=4).map(lambda items: ("list", items))
        | st.lists(st.tuples(keys, children), max_size=4).map(lambda pairs: ("object", pairs))
    ),
    max_leaves=25,
)


def text_of(value) -> str:
    """JSON text in which an object may repeat keys (json.dumps cannot write that)."""
    if isinstance(value, tuple) and value[0] == "list":
        return "[" + ", ".join(map(text_of, value[1])) + "]"
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{json.dumps(k)}: {text_of(v)}" for k, v in value[1]) + "}"
    return json.dumps(value)


def repeated_keys(value, where: str = "$") -> list[tuple[str, list[str]]]:
    """(path, duplicates) of every decoded object that noted repeated keys."""
    found = []
    if isinstance(value, dict):
        if getattr(value, "duplicates", None):
            found.append((where, value.duplicates))
        for key, child in value.items():
            found += repeated_keys(child, f"{where}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += repeated_keys(child, f"{where}[{i}]")
    return found


@FUZZ
@given(documents, st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_repeated_keys_are_found_wherever_they_are(document, encoding):
    text = text_of(document)
    expected = json.loads(text, object_pairs_hook=_object_pairs)
    decoded = parse_json(text.encode(encoding))
    assert decoded == expected
    assert repeated_keys(decoded) == repeated_keys(expected)


def test_a_repeated_node_entry_is_found_in_a_real_file():
    text = (DATA / "rp-rewards-mainnet-16.json").read_text()
    address = list(json.loads(text)["nodeRewards"])[-1]
    entry = json.dumps(json.loads(text)["nodeRewards"][address])
    text = text.replace('"nodeRewards": {', f'"nodeRewards": {{"{address}": {entry}, ', 1)
    assert parse_json(text.encode())["nodeRewards"].duplicates == [address]


# -- proofs compared as one text ------------------------------------------------------------------


def proofs_changed(change) -> set[str]:
    document = json.loads((DATA / "rp-rewards-mainnet-20.json").read_bytes())
    entry = list(document["nodeRewards"].values())[100]
    entry["merkleProof"] = change(entry["merkleProof"])
    report = verify_rewards_bytes(json.dumps(document).encode())
    return {c.name for c in report.failures}


@pytest.mark.parametrize(
    "change",
    [
        lambda p: [p[0] + p[1], "", *p[2:]],  # the same text, hashes split elsewhere
        lambda p: [p[0] + "|" + p[1], *p[2:]],  # another separator inside a hash
        lambda p: [p[0] + proofs.SEPARATOR + p[1], "", *p[2:]],  # the separator inside, count kept
        lambda p: [p[0] + proofs.SEPARATOR, p[1][:-1], *p[2:]],  # a separator for a digit
        lambda p: [p[0][:-1], p[0][-1] + p[1], *p[2:]],  # one digit moved to the next hash
        lambda p: [*p[1:], p[0]],  # the right hashes in the wrong order
        lambda p: p[:-1],  # one hash short
        lambda p: [*p, p[-1]],  # one hash too many
        lambda p: [p[0], 7, *p[2:]],  # not a string
    ],
)
def test_a_proof_that_only_looks_right_as_one_text_fails(change):
    assert proofs_changed(change) == {"node-proofs"}


def test_a_wrong_proof_is_named_wherever_it_sits_among_the_texts_compared_at_a_time():
    """The texts are compared a few dozen nodes at a time: a wrong proof at either edge of such
    a group, or in the short last group, is found and named, and no other node with it."""
    document = json.loads((DATA / "rp-rewards-mainnet-20.json").read_bytes())
    entries = list(document["nodeRewards"].items())
    depth = len(entries[0][1]["merkleProof"])
    step = proofs.CHUNK_TEXT // ((2 + 64 + len(proofs.SEPARATOR)) * depth)
    assert step < len(entries) - 1, "the file should span several groups"
    for index in (0, step - 1, step, len(entries) - 1):
        changed = json.loads(json.dumps(document))
        address, entry = list(changed["nodeRewards"].items())[index]
        proof = entry["merkleProof"]
        entry["merkleProof"] = [proof[1], proof[0], *proof[2:]]
        failure = verify_rewards_bytes(json.dumps(changed).encode()).check("node-proofs")
        assert not failure.passed
        assert failure.message.startswith("1 proofs do not verify") and address in failure.message
