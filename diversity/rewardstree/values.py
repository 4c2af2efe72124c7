"""Validators for the scalar values of a rewards file, and short quoting of bad input.

Strict on purpose: Python's int() would accept "+5", " 5", "5_000" or non-ASCII digits, none of
which treegen writes and none of which the distributor could have hashed.
"""

from __future__ import annotations

UINT256_LIMIT = 1 << 256
MAX_LISTED = 5  # problems quoted per check; the rest are counted


def show(value: object, limit: int = 60) -> str:
    """repr() cut short: messages quote input, and input can be megabytes long."""
    if isinstance(value, dict | list):  # never repr a container: it may hold the whole file
        return f"<{type(value).__name__} of {len(value)} items>"
    text = repr(value[: limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def amount(value: object) -> int | None:
    """A wei amount: a decimal string of ASCII digits below 2**256, else None."""
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 78:
        number = int(value)
        if number < UINT256_LIMIT:
            return number
    return None


def uint(value: object) -> int | None:
    """A JSON integer (not bool) in uint256 range, else None."""
    if type(value) is int and 0 <= value < UINT256_LIMIT:
        return value
    return None


def hash32(value: object) -> bytes | None:
    """A `0x`-prefixed 32-byte hex string as bytes, else None."""
    if type(value) is str and len(value) == 66 and value[:2] in ("0x", "0X"):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            return None
        if len(raw) == 32:
            return raw
    return None


def is_address(key: str) -> bool:
    """`0x` followed by exactly 40 hex digits (any case)."""
    if len(key) != 42 or key[:2] != "0x":
        return False
    try:
        return len(bytes.fromhex(key[2:])) == 20
    except ValueError:
        return False


def summarise(messages: list[str]) -> str:
    """The first few problems, then a count of the rest."""
    shown = "; ".join(messages[:MAX_LISTED])
    more = len(messages) - MAX_LISTED
    return f"{shown}; and {more} more" if more > 0 else shown
