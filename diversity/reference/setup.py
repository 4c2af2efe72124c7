"""Build the verdict computer for a network: which reference sources it can use."""

from diversity.reference.sources import DevnetWorldSource, UniswapTwapPriceSource
from diversity.reference.verdicts import ImplementationOf, VerdictComputer
from votes.chain.client import ChainClient
from votes.chain.networks import NetworkConfig
from votes.models import Round


def verdict_computer(config: NetworkConfig, implementation_of: ImplementationOf,
                     client: ChainClient | None = None) -> VerdictComputer:  # fmt: skip
    client = client or ChainClient(config.rpc_url)
    if config.world:
        world = DevnetWorldSource(client, config.world)
        balance_source, price_source = world, world
    else:
        balance_source = None  # a beacon-node source needs the validator set (see sources.py)
        price_source = UniswapTwapPriceSource(client)
    return VerdictComputer(config.name, client, config.rocket_storage, balance_source,
                           price_source, implementation_of)  # fmt: skip


def compute_verdicts(config: NetworkConfig, implementation_of: ImplementationOf,
                     since_block: int | None = None) -> dict[str, int]:  # fmt: skip
    rounds = Round.objects.filter(network=config.name)
    if since_block is not None:
        rounds = rounds.filter(first_seen_block__gte=since_block)
    return verdict_computer(config, implementation_of).compute(rounds)
