"""Event ABIs and log decoding, without a node: topics as the spec lists them, the prices
collision, and garbage in → LogDecodeError out (never anything else, never a silent loss)."""

import contextlib

import pytest
from eth_abi import encode as abi_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from votes.chain.decoders import LogDecodeError, decode_log
from votes.chain.events import EVENTS

# shared/spec/odao-protocol.md §2 and §4: topic0 prefixes, keyed by (event, era of the layout).
SPEC_TOPIC_PREFIXES = {
    ("ActionJoined", "v1.0"): "0x4e5c099e",
    ("BalancesSubmitted", "v1.0"): "0xe657a6d6",
    ("BalancesUpdated", "v1.0"): "0x7bbbb137",
    ("BalancesSubmitted", "v1.3"): "0x9b240d5b",
    ("BalancesUpdated", "v1.3"): "0xdd272957",
    ("PricesSubmitted", "v1.0"): "0x6a2507f8",
    ("PricesUpdated", "v1.0"): "0x6ef2ff81",
    ("PricesSubmitted", "v1.2"): "0x27581fbb",
    ("PricesUpdated", "v1.2"): "0xa6b830b7",
    ("PricesSubmitted", "v1.3"): "0x6a2507f8",
    ("PricesUpdated", "v1.3"): "0x6ef2ff81",
    ("RewardSnapshotSubmitted", "v1.1"): "0xfd791468",
    ("RewardSnapshot", "v1.1"): "0x61caab0b",
    ("RewardSnapshotSubmitted", "v1.4"): "0x60e3a6ab",
    ("RewardSnapshot", "v1.4"): "0xcdc52a61",
    ("ScrubVoted", "v1.0"): "0xc038496c",
}
# Events the spec names by signature only (no topic prefix): their types, in order.
SPEC_SIGNATURES = {
    ("ActionLeave", "v1.0"): "ActionLeave(address,uint256,uint256)",
    ("ActionKick", "v1.0"): "ActionKick(address,uint256,uint256)",
    ("MinipoolScrubbed", "v1.0"): "MinipoolScrubbed(uint256)",
}
# Indexed fields the spec shows, as topic counts (topic0 included).
SPEC_TOPIC_COUNTS = {
    ("BalancesUpdated", "v1.0"): 1,
    ("BalancesUpdated", "v1.3"): 2,
    ("PricesUpdated", "v1.0"): 1,
    ("PricesUpdated", "v1.2"): 1,
    ("PricesUpdated", "v1.3"): 2,
    ("RewardSnapshotSubmitted", "v1.1"): 3,
    ("RewardSnapshot", "v1.1"): 2,
}
SPECS = {(spec.name, spec.era): spec for spec in EVENTS}
SENDER = "0x" + "ab" * 20
EMITTER = "0x" + "cd" * 20


def topic_hex(spec) -> str:
    return "0x" + spec.topic0.hex()


@pytest.mark.parametrize("event", sorted(SPEC_TOPIC_PREFIXES), ids="-".join)
def test_topic0_matches_the_spec(event):
    assert topic_hex(SPECS[event]).startswith(SPEC_TOPIC_PREFIXES[event])


@pytest.mark.parametrize("event", sorted(SPEC_SIGNATURES), ids="-".join)
def test_signature_matches_the_spec(event):
    assert SPECS[event].signature == SPEC_SIGNATURES[event]


@pytest.mark.parametrize("event", sorted(SPEC_TOPIC_COUNTS), ids="-".join)
def test_indexed_fields_match_the_spec(event):
    assert SPECS[event].topic_count == SPEC_TOPIC_COUNTS[event]


def test_every_event_the_spec_lists_for_the_tracked_duties_is_known():
    assert set(SPEC_TOPIC_PREFIXES) | set(SPEC_SIGNATURES) <= set(SPECS)


def test_only_the_prices_layouts_share_a_topic():
    by_topic = {}
    for spec in EVENTS:
        by_topic.setdefault((spec.topic0, spec.topic_count), []).append((spec.name, spec.era))
    shared = sorted(events for events in by_topic.values() if len(events) > 1)
    assert shared == [[("PricesSubmitted", "v1.0"), ("PricesSubmitted", "v1.3")]]


# --- the prices collision ------------------------------------------------------------------------


def raw_log(topics: list[str], data: bytes, **fields) -> dict:
    return {
        "address": EMITTER,
        "topics": topics,
        "data": "0x" + data.hex(),
        "blockNumber": "0x10",
        "blockHash": "0x" + "11" * 32,
        "transactionHash": "0x" + "22" * 32,
        "transactionIndex": "0x0",
        "logIndex": "0x3",
        **fields,
    }


def address_topic(address: str) -> str:
    return "0x" + abi_encode(["address"], [address]).hex()


def uint_topic(value: int) -> str:
    return "0x" + abi_encode(["uint256"], [value]).hex()


def prices_submitted(block=100, third=7, fourth=9, time=1_700_000_000) -> dict:
    spec = SPECS[("PricesSubmitted", "v1.3")]
    data = abi_encode(["uint256"] * 4, [block, third, fourth, time])
    return raw_log([topic_hex(spec), address_topic(SENDER)], data)


def test_a_v1_0_prices_contract_is_read_with_the_effective_stake_layout():
    event = decode_log(prices_submitted(), emitter_version=lambda: 1)
    assert event.spec.era == "v1.0"
    assert event.values["rpl_price"] == "7" and event.values["effective_rpl_stake"] == "9"


@pytest.mark.parametrize("version", [3, 4])
def test_a_later_prices_contract_is_read_with_the_slot_timestamp_layout(version):
    event = decode_log(prices_submitted(), emitter_version=lambda: version)
    assert event.spec.era == "v1.3"
    assert event.values["slot_timestamp"] == "7" and event.values["rpl_price"] == "9"
    assert event.values["from"].lower() == SENDER


def test_the_emitter_version_is_asked_only_on_a_collision():
    def never() -> int:
        raise AssertionError("version looked up for an unambiguous topic")

    spec = SPECS[("PricesSubmitted", "v1.2")]
    data = abi_encode(["uint256"] * 3, [100, 9, 1_700_000_000])
    event = decode_log(raw_log([topic_hex(spec), address_topic(SENDER)], data), never)
    assert (event.spec.era, event.values["rpl_price"]) == ("v1.2", "9")


@pytest.mark.parametrize(("topics", "era"), [(1, "v1.0"), (2, "v1.3")])
def test_prices_updated_is_told_apart_by_its_topic_count(topics, era):
    spec = SPECS[("PricesUpdated", "v1.0")]
    values = [100, 7, 9, 1_700_000_000][topics - 1 :]
    data = abi_encode(["uint256"] * len(values), values)
    extra = [uint_topic(100)] if topics == 2 else []
    event = decode_log(raw_log([topic_hex(spec), *extra], data), emitter_version=lambda: 1)
    assert event.spec.era == era and event.values["block"] == "100"


def test_a_log_decodes_its_position_fields():
    event = decode_log(prices_submitted(), emitter_version=lambda: 4)
    assert (event.block_number, event.log_index, event.tx_index) == (16, 3, 0)
    assert event.tx_hash == "0x" + "22" * 32


# --- garbage -------------------------------------------------------------------------------------

KNOWN_TOPICS = st.sampled_from([topic_hex(spec) for spec in EVENTS])
HEX_WORD = st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex())
ODD_STRINGS = st.one_of(st.text(max_size=70), st.binary(max_size=40).map(lambda b: "0x" + b.hex()))
ANYTHING = st.one_of(st.none(), st.integers(), st.booleans(), ODD_STRINGS, st.lists(st.integers()))


@st.composite
def garbage_logs(draw):
    """Logs that look more or less like eth_getLogs entries, mostly with a real topic0."""
    topic0 = draw(st.one_of(KNOWN_TOPICS, HEX_WORD, ANYTHING))
    rest = draw(st.lists(st.one_of(HEX_WORD, address_topics(), ANYTHING), max_size=4))
    data = draw(st.one_of(st.binary(max_size=700).map(lambda b: "0x" + b.hex()), ANYTHING))
    log = raw_log([topic0, *rest], b"") | {"data": data}
    for key in draw(st.lists(st.sampled_from(sorted(log)), max_size=3)):
        if draw(st.booleans()):
            log.pop(key, None)
        else:
            log[key] = draw(ANYTHING)
    return log


def address_topics():
    return st.binary(min_size=20, max_size=20).map(lambda b: address_topic("0x" + b.hex()))


def truncated_or_padded(data: bytes):
    return st.one_of(
        st.integers(0, len(data) - 1).map(lambda n: data[:n]),
        st.binary(min_size=1, max_size=64).map(lambda extra: data + extra),
        st.integers(0, len(data) - 1).map(lambda i: data[:i] + b"\xff" + data[i + 1 :]),
    )


GARBAGE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@GARBAGE
@given(garbage_logs(), st.sampled_from([None, 1, 4]))
def test_garbage_only_ever_raises_log_decode_error(log, version):
    with contextlib.suppress(LogDecodeError):
        decode_log(log, emitter_version=lambda: version)


@GARBAGE
@given(st.data())
def test_damaged_reward_snapshots_only_ever_raise_log_decode_error(data):
    """The rewards struct has strings and arrays: offsets and lengths are the risky part."""
    spec = SPECS[("RewardSnapshotSubmitted", "v1.1")]
    struct = (1, 100, 200, b"\x01" * 32, "bafy", 1, 10, [1, 2], [3], [4, 5, 6], 7)
    good = abi_encode([spec.fields[2].type, "uint256"], [struct, 1_700_000_000])
    damaged = data.draw(truncated_or_padded(good))
    log = raw_log([topic_hex(spec), address_topic(SENDER), uint_topic(1)], damaged)
    try:
        event = decode_log(log)
    except LogDecodeError:
        return
    assert set(event.values["submission"]) == set(spec.struct_fields)


def test_a_short_data_field_names_the_event_it_failed():
    log = prices_submitted()
    log["data"] = log["data"][:66]
    with pytest.raises(LogDecodeError, match=r"PricesSubmitted \(v1.3\) data does not decode"):
        decode_log(log, emitter_version=lambda: 4)


def test_an_unknown_topic_is_a_log_decode_error():
    with pytest.raises(LogDecodeError, match="unknown event topic"):
        decode_log(raw_log(["0x" + "00" * 32], b""))
