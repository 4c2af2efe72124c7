"""The word-slicing decoder (votes/chain/words.py) gives eth_abi's values or steps aside.

For every field layout of every oDAO event, canonical data, random words and broken variants
(non-zero address padding, a bool of 2, a byte short, a word too many) are decoded both ways:
`decode_words` must return exactly eth_abi's values, or None where eth_abi has to decide.
"""

import random
import zlib

import pytest
from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from votes.chain.events import EVENTS
from votes.chain.words import ONE_WORD_TYPES, checksum_address, decode_words

LAYOUTS = sorted(
    {tuple(f.type for f in spec.fields if not f.indexed) for spec in EVENTS}
    | {(f.type,) for spec in EVENTS for f in spec.fields if f.indexed}
)


def canonical_word(type_: str, rng: random.Random) -> bytes:
    if type_ == "address":
        return bytes(12) + rng.randbytes(20)
    if type_ == "bool":
        return bytes(31) + bytes([rng.randint(0, 1)])
    return rng.randbytes(32)


def variants(layout: tuple[str, ...], rng: random.Random):
    words = [canonical_word(t, rng) for t in layout]
    yield b"".join(words)
    yield b"".join(words)[:-1]
    yield b"".join(words) + bytes(32)
    for index, type_ in enumerate(layout):
        if type_ in ("address", "bool"):
            broken = list(words)
            broken[index] = (
                (b"\x01" + broken[index][1:]) if type_ == "address" else bytes(31) + b"\x02"
            )
            yield b"".join(broken)
    yield rng.randbytes(32 * len(layout))


def eth_abi_answer(layout, data):
    try:
        return list(abi_decode(list(layout), data))
    except (DecodingError, ValueError, OverflowError) as error:
        return type(error)


@pytest.mark.parametrize("layout", LAYOUTS, ids=",".join)
def test_word_decoding_equals_eth_abi_or_steps_aside(layout):
    rng = random.Random(zlib.crc32(",".join(layout).encode()))
    for _ in range(50):
        for data in variants(layout, rng):
            fast = decode_words(layout, data)
            assert fast is None or fast == eth_abi_answer(layout, data), (layout, data.hex())


@pytest.mark.parametrize("layout", [lo for lo in LAYOUTS if ONE_WORD_TYPES.issuperset(lo)],
                         ids=",".join)  # fmt: skip
def test_canonical_one_word_layouts_take_the_fast_path(layout):
    data = b"".join(canonical_word(t, random.Random(1)) for t in layout)
    assert decode_words(layout, data) == eth_abi_answer(layout, data)


def test_checksum_address_is_eip55():
    assert (
        checksum_address("0x1d8f8f00cfa6758d7be78336684788fb0ee0fa46")
        == "0x1d8f8f00cfa6758d7bE78336684788Fb0ee0Fa46"
    )
