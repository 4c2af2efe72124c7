"""Build the verdict computer for a network: which reference sources it can use.

Network balances need a beacon node: `--beacon URL`, else the BEACON_URL setting, else (on the
devnet) the beacon-API server recorded with the deployment. Without one, total and staking ETH
are unchecked, and the round says so.
"""

from django.conf import settings

from diversity.reference.beacon_api import BeaconApiClient
from diversity.reference.network_balances import ProtocolBalanceSource
from diversity.reference.sources import DevnetWorldSource, UniswapTwapPriceSource
from diversity.reference.verdicts import ImplementationOf, VerdictComputer
from votes.chain.client import ChainClient
from votes.chain.networks import NetworkConfig
from votes.models import Round


def beacon_url_for(config: NetworkConfig, beacon_url: str | None = None) -> str | None:
    """The beacon node to read: the one asked for, the setting, or the devnet's own."""
    if beacon_url or settings.TOWERWATCH_BEACON_URL:
        return beacon_url or settings.TOWERWATCH_BEACON_URL
    if config.name == "devnet" and settings.TOWERWATCH_DEVNET_FILE.exists():
        from votes.devnet.deploy import Deployment

        return Deployment.load(settings.TOWERWATCH_DEVNET_FILE).beacon_url
    return None


def verdict_computer(config: NetworkConfig, implementation_of: ImplementationOf,
                     client: ChainClient | None = None,
                     beacon_url: str | None = None) -> VerdictComputer:  # fmt: skip
    client = client or ChainClient(config.rpc_url)
    url = beacon_url_for(config, beacon_url)
    balance_source = None
    if url:
        beacon = BeaconApiClient(url, timeout_s=settings.TOWERWATCH_BEACON_TIMEOUT_S)
        balance_source = ProtocolBalanceSource(client, config.rocket_storage, beacon)
    if config.world:
        price_source = DevnetWorldSource(client, config.world)
    else:
        price_source = UniswapTwapPriceSource(client)
    return VerdictComputer(config.name, client, config.rocket_storage, balance_source,
                           price_source, implementation_of)  # fmt: skip


def compute_verdicts(config: NetworkConfig, implementation_of: ImplementationOf,
                     since_block: int | None = None,
                     beacon_url: str | None = None) -> dict[str, int]:  # fmt: skip
    rounds = Round.objects.filter(network=config.name)
    if since_block is not None:
        rounds = rounds.filter(first_seen_block__gte=since_block)
    computer = verdict_computer(config, implementation_of, beacon_url=beacon_url)
    return computer.compute(rounds)
