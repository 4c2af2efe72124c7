"""Turn raw JSON-RPC logs into typed oDAO events.

Decoding is by topic0 (and topic count), never by the "current" ABI of a contract, because
old logs stay on old addresses with old layouts. A log that can't be decoded raises
LogDecodeError with the reason, so the indexer can keep it aside instead of losing it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from votes.chain.events import EventSpec, specs_by_topic
from votes.chain.words import checksum_address, decode_words

SPECS_BY_TOPIC = specs_by_topic()
# Prices contracts of v1.0 (version() == 1) emit the legacy PricesSubmitted layout.
LEGACY_PRICES_MAX_VERSION = 1


class LogDecodeError(ValueError):
    pass


@dataclass(frozen=True)
class DecodedEvent:
    spec: EventSpec
    values: dict
    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int

    @property
    def position(self) -> tuple[int, int]:
        return (self.block_number, self.log_index)


def _hex(value) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if hasattr(value, "to_0x_hex"):
        return value.to_0x_hex()
    return value if str(value).startswith("0x") else "0x" + str(value)


def _quantity(value) -> int:
    """A JSON-RPC quantity ("0x1a") or an already-decoded int."""
    return value if isinstance(value, int) else int(str(value), 16)


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(str(value).removeprefix("0x"))


def normalise(value):
    """JSON-safe values: integers as decimal strings (uint256 overflows JSON numbers)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [normalise(item) for item in value]
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return checksum_address(value)
    return value


def choose_spec(topics: list[bytes], emitter_version: Callable[[], int | None]) -> EventSpec:
    candidates = [s for s in SPECS_BY_TOPIC.get(topics[0], []) if s.topic_count == len(topics)]
    if not candidates:
        raise LogDecodeError(f"unknown event topic {topics[0].hex()} with {len(topics)} topics")
    if len(candidates) > 1:  # the prices v1.0 / v1.3 collision
        legacy = (emitter_version() or 0) <= LEGACY_PRICES_MAX_VERSION
        candidates = [c for c in candidates if (c.era == "v1.0") == legacy]
    return candidates[0]


def decode_log(raw: dict, emitter_version: Callable[[], int | None] = lambda: None) -> DecodedEvent:
    try:
        topics = [_bytes(topic) for topic in raw["topics"]]
        data = _bytes(raw["data"])
    except (KeyError, ValueError, TypeError) as error:
        raise LogDecodeError(f"malformed log: {error}") from error
    if not topics:
        raise LogDecodeError("log has no topics")
    spec = choose_spec(topics, emitter_version)
    indexed = [f for f in spec.fields if f.indexed]
    plain = [f for f in spec.fields if not f.indexed]
    values = {}
    try:
        for field, topic in zip(indexed, topics[1:], strict=True):
            values[field.name] = _decode((field.type,), topic)[0]
        decoded = _decode(tuple(f.type for f in plain), data)
    except (DecodingError, ValueError, OverflowError) as error:
        raise LogDecodeError(f"{spec.name} ({spec.era}) data does not decode: {error}") from error
    values.update({f.name: v for f, v in zip(plain, decoded, strict=True)})
    if spec.struct_fields:
        values["submission"] = dict(zip(spec.struct_fields, values["submission"], strict=True))
    try:
        return DecodedEvent(
            spec=spec,
            values={k: normalise(v) for k, v in values.items()} | _nested(values),
            address=checksum_address(raw["address"]),
            block_number=_quantity(raw["blockNumber"]),
            block_hash=_hex(raw["blockHash"]),
            tx_hash=_hex(raw["transactionHash"]),
            tx_index=_quantity(raw["transactionIndex"]),
            log_index=_quantity(raw["logIndex"]),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise LogDecodeError(f"malformed log position fields: {error!r}") from error


def _decode(types: tuple[str, ...], data: bytes):
    words = decode_words(types, data)
    return abi_decode(list(types), data) if words is None else words


def _nested(values: dict) -> dict:
    if "submission" not in values:
        return {}
    return {"submission": {k: normalise(v) for k, v in values["submission"].items()}}
