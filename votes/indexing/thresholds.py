"""The consensus thresholds in force, read from the settings contract (0.51 when unreadable)."""

import logging

from votes.chain.client import ChainClient, RpcError
from votes.chain.networks import NetworkConfig
from votes.chain.registry import address_at
from votes.consensus import DEFAULT_THRESHOLD

log = logging.getLogger(__name__)


def _read_uint(client: ChainClient, address: str, signature: str) -> int | None:
    try:
        return client.view(address, signature)[0]
    except (RpcError, ValueError, TypeError):
        return None


def read_thresholds(client: ChainClient, config: NetworkConfig) -> dict[str, int]:
    head = client.block_number()
    settings_address = address_at(client, config.rocket_storage,
                                  "rocketDAOProtocolSettingsNetwork", head)  # fmt: skip
    consensus = _read_uint(client, settings_address, "getNodeConsensusThreshold()")
    scrub = _read_uint(client, settings_address, "getScrubQuorum()")
    if consensus is None or scrub is None:
        log.warning("could not read thresholds from %s; using 0.51", settings_address)
    consensus = consensus or DEFAULT_THRESHOLD
    return {"balances": consensus, "prices": consensus, "rewards": consensus,
            "scrub": scrub or DEFAULT_THRESHOLD}  # fmt: skip
