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

from votes.chain.client import ChainClient, RpcError
from votes.chain.duty_table import INDEXED_DUTIES, Setting
from votes.chain.networks import NetworkConfig
from votes.chain.registry import ZERO, address_at
from votes.consensus import DEFAULT_THRESHOLD, ThresholdSchedule

log = logging.getLogger(__name__)


class HistoryUnavailable(RpcError):
    """The node cannot answer a setting at a block (a past one: not an archive node)."""


def read_setting(client: ChainClient, config: NetworkConfig, setting: Setting,
                 block: int) -> int | None:  # fmt: skip
    """The setting at `block`; None where its contract does not exist yet."""
    try:
        address = address_at(client, config.rocket_storage, setting.contract, block)
        if address == ZERO:
            return None
        return client.view(address, setting.getter, block=block)[0]
    except (RpcError, ValueError, TypeError) as error:
        message = f"{setting.contract}.{setting.getter} at block {block}: {error}"
        raise HistoryUnavailable(message) from error


def read_thresholds(client: ChainClient, config: NetworkConfig,
                    block: int | None = None) -> dict[str, int]:  # fmt: skip
    """{duty: threshold} at `block` (the head by default), from the latest release that has the
    duty and whose settings contract exists at that block."""
    block = client.block_number() if block is None else block
    thresholds: dict[str, int] = {}
    for row in reversed(INDEXED_DUTIES):
        if row.duty in thresholds or row.threshold is None:
            continue
        value = read_setting(client, config, row.threshold, block)
        if value is not None:
            thresholds[row.duty] = value
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
