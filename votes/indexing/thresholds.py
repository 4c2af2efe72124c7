"""The thresholds in force, each read from the settings contract the duty table names for it,
and how they changed over the indexed history.

The settings contracts are storage names like any other: Saturn replaced the network settings and
added the megapool ones, so each is looked up in RocketStorage at the block read, never kept.
A setting the chain does not have yet (the megapool threshold before Saturn) falls back to 0.51,
the default of every one of them.

A threshold is a setting the pDAO (or the guardian, in bootstrap mode) can change: a round
decided before a change crossed at the old value. Reading every vote's block would cost a call
per vote, so a schedule bisects between blocks that read differently, as the registry does for
addresses: two reads per duty and pass while nothing changed.
"""

import logging

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from votes.chain.client import ChainClient, RpcError, encode_call
from votes.chain.duty_table import INDEXED_DUTIES, Setting
from votes.chain.networks import NetworkConfig
from votes.chain.registry import ZERO
from votes.chain.storage_keys import contract_address_key
from votes.consensus import DEFAULT_THRESHOLD, ThresholdSchedule

log = logging.getLogger(__name__)


class HistoryUnavailable(RpcError):
    """The node cannot answer a setting at a block (a past one: not an archive node)."""


def _eth_calls(client: ChainClient, targets: list[tuple[str, str, list]], returns: str,
               block: int) -> list:  # fmt: skip
    """One JSON-RPC batch of view calls (address, signature, args) at `block`, decoded."""
    calls = [("eth_call", [{"to": to, "data": encode_call(signature, args)}, hex(block)])
             for to, signature, args in targets]  # fmt: skip
    try:
        answers = client.batch_calls(calls)
        return [abi_decode([returns], bytes.fromhex(raw[2:]))[0] for raw in answers]
    except (RpcError, ValueError, TypeError, DecodingError) as error:
        raise HistoryUnavailable(f"settings at block {block}: {error}") from error


def read_settings(client: ChainClient, config: NetworkConfig, settings: list[Setting],
                  block: int) -> dict[Setting, int]:  # fmt: skip
    """The settings whose contract exists at `block`, in two batches: the contracts' addresses
    from RocketStorage, then the getters."""
    names = sorted({setting.contract for setting in settings})
    keys = [
        (config.rocket_storage, "getAddress(bytes32)", [contract_address_key(n)]) for n in names
    ]
    found = dict(zip(names, map(to_checksum_address, _eth_calls(client, keys, "address", block)),
                     strict=True))  # fmt: skip
    present = [setting for setting in settings if found[setting.contract] != ZERO]
    getters = [(found[setting.contract], setting.getter, []) for setting in present]
    return dict(zip(present, _eth_calls(client, getters, "uint256", block), strict=True))


def read_thresholds(client: ChainClient, config: NetworkConfig,
                    block: int | None = None) -> dict[str, int]:  # fmt: skip
    """{duty: threshold} at `block` (the head by default), from the latest release that has the
    duty and whose settings contract exists at that block."""
    block = client.block_number() if block is None else block
    rows = [row for row in reversed(INDEXED_DUTIES) if row.threshold is not None]
    values = read_settings(client, config, list(dict.fromkeys(r.threshold for r in rows)), block)
    thresholds: dict[str, int] = {}
    for row in rows:
        if row.duty not in thresholds and row.threshold in values:
            thresholds[row.duty] = values[row.threshold]
    return {row.duty: thresholds.get(row.duty, DEFAULT_THRESHOLD) for row in INDEXED_DUTIES}


def threshold_history(client: ChainClient, config: NetworkConfig, from_block: int,
                      to_block: int) -> dict[str, ThresholdSchedule]:  # fmt: skip
    """{duty: schedule} over [from_block, to_block]. A node that cannot read the past (no
    archive) gives the head's values for the whole range, with a warning: exact for every network
    whose thresholds never changed, which is mainnet's history so far."""
    head = read_thresholds(client, config, to_block)
    try:
        first = read_thresholds(client, config, from_block)
        changes: dict[str, list[tuple[int, int]]] = {duty: [] for duty in head}
        _bisect(client, config, (from_block, first), (to_block, head), changes)
    except HistoryUnavailable as error:
        log.warning("thresholds read at the head only (%s)", error)
        return {duty: ThresholdSchedule.constant(value) for duty, value in head.items()}
    return {
        duty: ThresholdSchedule([from_block, *(b for b, _ in sorted(steps))],
                                [first[duty], *(v for _, v in sorted(steps))])
        for duty, steps in changes.items()
    }  # fmt: skip


def _bisect(client, config, low: tuple[int, dict], high: tuple[int, dict], changes) -> None:
    """Record, per duty, the first block of each value between two reads that differ."""
    (low_block, low_values), (high_block, high_values) = low, high
    differing = [duty for duty in low_values if low_values[duty] != high_values[duty]]
    if not differing:
        return
    if high_block - low_block == 1:
        for duty in differing:
            changes[duty].append((high_block, high_values[duty]))
        return
    middle = (low_block + high_block) // 2
    middle_values = read_thresholds(client, config, middle)
    _bisect(client, config, low, (middle, middle_values), changes)
    _bisect(client, config, (middle, middle_values), high, changes)
