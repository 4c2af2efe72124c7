"""A rewards file's node entries as parallel columns, read and checked a column at a time.

A mainnet file has up to ~2,600 node entries. Checking and converting them one at a time in
Python costs ~2 µs each, as much as decoding the JSON. Nearly every real entry is well-formed, so
`read_columns` checks the whole of `nodeRewards` at once with C-level passes (one per field for
types, lengths and digits, one hex decode of all the addresses together) and converts each
amount exactly once. Anything unusual makes it return None, and the schema parser reads the
entries one by one instead, naming every problem. The Merkle leaves are packed from the same
columns (`merkle.packed_leaves`), so no address is decoded twice.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter, itemgetter

import numpy as np

from .model import NodeReward
from .values import UINT256_LIMIT

ADDRESS_CHARS = 42  # "0x" + 40 hex digits
ADDRESS_BYTES = 20
MAX_AMOUNT_DIGITS = 78  # as `values.amount`: 2**256 has 78 digits
LEAF_FIELDS = ("rewardNetwork", "merkleProof", "collateralRpl", "oracleDaoRpl", "smoothingPoolEth")
VOTER_FIELD = "voterShareEth"


@dataclass(slots=True)
class NodeColumns:
    """Column i of each list belongs to node i; `voter_share_eth` is None before file version 4."""

    addresses: list[str]
    address_bytes: bytes  # ADDRESS_BYTES per node, in node order
    networks: Sequence[int]
    collateral_rpl: list[int]
    oracle_dao_rpl: list[int]
    smoothing_pool_eth: list[int]
    voter_share_eth: list[int] | None
    proofs: Sequence[list]
    # The entries as read, when some has fields beyond the leaf's (file version 1, mainnet 0-14,
    # gives each node its smoothingPoolEligibilityRate); the extra fields are sorted out only
    # for `to_nodes`, which the verifier never calls.
    entries_with_extras: list[dict] | None = None

    def __len__(self) -> int:
        return len(self.addresses)

    def extras(self) -> list[dict] | None:
        """Each entry's fields beyond the leaf's, or None if no entry has any."""
        if self.entries_with_extras is None:
            return None
        known = {*LEAF_FIELDS, VOTER_FIELD}
        return [{k: v for k, v in e.items() if k not in known} for e in self.entries_with_extras]

    def to_nodes(self) -> list[NodeReward]:
        """One NodeReward per node, each with its own `extra` dict."""
        voter = self.voter_share_eth if self.voter_share_eth is not None else repeat(0)
        extras = self.extras()
        extras = extras if extras is not None else map(dict, repeat(()))
        return list(
            map(
                NodeReward,
                self.addresses,
                self.networks,
                self.collateral_rpl,
                self.oracle_dao_rpl,
                self.smoothing_pool_eth,
                voter,
                self.proofs,
                extras,
            )
        )

    @classmethod
    def from_nodes(cls, nodes: Iterable[NodeReward], with_voter_share: bool) -> NodeColumns:
        """Columns of in-memory nodes; ValueError if an address is not 0x + 20 bytes of hex."""
        nodes = list(nodes)
        addresses = list(map(attrgetter("address"), nodes))
        if any(len(a) != ADDRESS_CHARS or a[:2] not in ("0x", "0X") for a in addresses):
            raise ValueError("a node address is not 0x followed by 40 hex digits")
        packed = bytes.fromhex("".join(a[2:] for a in addresses))
        if len(packed) != ADDRESS_BYTES * len(addresses):
            raise ValueError("a node address is not 0x followed by 40 hex digits")
        return cls(
            addresses,
            packed,
            _attribute(nodes, "reward_network"),
            _attribute(nodes, "collateral_rpl"),
            _attribute(nodes, "oracle_dao_rpl"),
            _attribute(nodes, "smoothing_pool_eth"),
            _attribute(nodes, "voter_share_eth") if with_voter_share else None,
            _attribute(nodes, "merkle_proof"),
        )


def _attribute(nodes: list[NodeReward], name: str) -> list:
    return list(map(attrgetter(name), nodes))


def read_columns(entries: dict, with_voter_share: bool) -> NodeColumns | None:
    """The columns of `nodeRewards` when every entry is well-formed, else None.

    Well-formed is what the per-entry parser accepts without a problem: a lower-case 0x address
    key, a JSON object holding an integer network in uint256 range, a list proof and ASCII
    decimal amounts below 2**256 with at most 78 digits. Extra fields are kept.
    """
    names = (*LEAF_FIELDS, VOTER_FIELD) if with_voter_share else LEAF_FIELDS
    addresses, values = list(entries), list(entries.values())
    if not addresses or set(map(type, values)) != {dict}:
        return None
    try:
        rows = list(map(itemgetter(*names), values))
    except KeyError:
        return None
    networks, proofs, *amount_texts = zip(*rows, strict=True)
    amounts = _amount_columns(amount_texts)
    packed = _address_bytes(addresses)
    if amounts is None or packed is None or not _are_networks(networks):
        return None
    if set(map(type, proofs)) != {list}:
        return None
    return NodeColumns(
        addresses,
        packed,
        networks,
        *amounts[:3],
        amounts[3] if with_voter_share else None,
        proofs,
        values if max(map(len, values)) > len(names) else None,
    )


def _are_networks(networks: Sequence) -> bool:
    """JSON integers (not booleans) in uint256 range."""
    if set(map(type, networks)) != {int}:
        return False
    return min(networks) >= 0 and max(networks) < UINT256_LIMIT


def _amount_columns(columns: list[Sequence]) -> list[list[int]] | None:
    """Each column of decimal strings as ints, or None if any string is not a wei amount."""
    try:
        digits = "".join(chain.from_iterable(columns))
    except TypeError:  # something other than a string
        return None
    if not (digits.isascii() and digits.encode("ascii").isdigit()):  # bytes: ASCII digits only
        return None
    if max(map(len, chain.from_iterable(columns))) > MAX_AMOUNT_DIGITS:
        return None
    try:  # an empty string is the one non-amount left, and int("") raises
        numbers = [list(map(int, texts)) for texts in columns]
    except ValueError:
        return None
    if max(map(max, numbers)) >= UINT256_LIMIT:
        return None
    return numbers


def _address_bytes(addresses: list[str]) -> bytes | None:
    """All addresses decoded in one pass, if each is "0x" + 40 lower-case hex digits.

    The checks run on bytes: `str.islower` and `str.replace` walk the text a character at a
    time (~0.6 ms for a mainnet file), their bytes counterparts and `unhexlify` do not.
    """
    count = len(addresses)
    if set(map(len, addresses)) != {ADDRESS_CHARS}:
        return None
    try:
        text = "".join(addresses).encode("ascii")
    except UnicodeEncodeError:
        return None
    if text[0::ADDRESS_CHARS] != b"0" * count or text[1::ADDRESS_CHARS] != b"x" * count:
        return None
    digits = np.frombuffer(text, dtype=np.uint8).reshape(count, ADDRESS_CHARS)[:, 2:].tobytes()
    if digits.lower() != digits:
        return None
    try:  # unhexlify, unlike bytes.fromhex, takes no spaces: every character must be a digit
        return binascii.unhexlify(digits)
    except binascii.Error:
        return None
