"""The thresholds in force, each read from the settings contract the duty table names for it.

The settings contracts are storage names like any other: Saturn replaced the network settings and
added the megapool ones, so each is looked up in RocketStorage at the block read, never kept.
A setting the chain does not have yet (the megapool threshold before Saturn) or cannot answer
falls back to 0.51, the default of every one of them.
"""

import logging

from votes.chain.client import ChainClient, RpcError
from votes.chain.duty_table import INDEXED_DUTIES, Setting
from votes.chain.networks import NetworkConfig
from votes.chain.registry import ZERO, address_at
from votes.consensus import DEFAULT_THRESHOLD

log = logging.getLogger(__name__)


def read_setting(client: ChainClient, config: NetworkConfig, setting: Setting,
                 block: int) -> int | None:  # fmt: skip
    address = address_at(client, config.rocket_storage, setting.contract, block)
    if address == ZERO:
        return None
    try:
        return client.view(address, setting.getter, block=block)[0]
    except (RpcError, ValueError, TypeError):
        log.warning("could not read %s.%s at block %d", setting.contract, setting.getter, block)
        return None


def read_thresholds(client: ChainClient, config: NetworkConfig,
                    block: int | None = None) -> dict[str, int]:  # fmt: skip
    """{duty: threshold} at `block` (the head by default), from the latest release that has the
    duty (its settings contract is the one RocketStorage names now)."""
    block = client.block_number() if block is None else block
    thresholds: dict[str, int] = {}
    for row in reversed(INDEXED_DUTIES):
        if row.duty in thresholds or row.threshold is None:
            continue
        value = read_setting(client, config, row.threshold, block)
        if value is not None:
            thresholds[row.duty] = value
    return {row.duty: thresholds.get(row.duty, DEFAULT_THRESHOLD) for row in INDEXED_DUTIES}
