"""ABI decoding of one-word static values straight from their 32-byte words.

Nearly every oDAO event is a row of uint256, address, bool and bytes32 fields; eth_abi decodes
them through its general stream machinery at ~15 µs a field, which was a third of the decode
time of a year of votes. Here such a layout is read by slicing words, and only canonical input
is accepted: data of exactly one word per field, zero address padding, a bool of 0 or 1. For
anything else `decode_words` returns None and the caller lets eth_abi decide, so the values and
the errors stay eth_abi's (tests/test_words.py compares both on real logs and random data).
"""

from functools import lru_cache

from eth_utils import to_checksum_address

WORD = 32
ONE_WORD_TYPES = frozenset({"uint256", "address", "bool", "bytes32"})
ADDRESS_PADDING = bytes(12)
BOOL_PADDING = bytes(31)


def decode_words(types: tuple[str, ...], data: bytes) -> list | None:
    """eth_abi's values for `types`, or None when the fast path can't vouch for them."""
    if len(data) != WORD * len(types) or not ONE_WORD_TYPES.issuperset(types):
        return None
    values = []
    for index, type_ in enumerate(types):
        word = data[WORD * index : WORD * (index + 1)]
        if type_ == "uint256":
            values.append(int.from_bytes(word, "big"))
        elif type_ == "bytes32":
            values.append(word)
        elif type_ == "address":
            if word[:12] != ADDRESS_PADDING:
                return None
            values.append("0x" + word[12:].hex())
        else:
            if word[:31] != BOOL_PADDING or word[31] > 1:
                return None
            values.append(bool(word[31]))
    return values


@lru_cache(maxsize=65536)
def checksum_address(address: str) -> str:
    """EIP-55 form of an address; the same few hundred addresses recur in every range."""
    return to_checksum_address(address)
