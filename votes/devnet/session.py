"""Open a devnet for a command: a fresh anvil with the contracts deployed, or an existing node,
and its beacon chain: a beacon-API server on 127.0.0.1 that the simulator fills, recorded in
the deployment (`beacon_url`) so that `reference` finds it. The server lives as long as the
process that opened the devnet: a devnet run with `--rpc` gets a beacon chain of its own.

Shared by `devnet`, `simulate` and `demo` so that each finds the deployment the same way.
"""

from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from web3 import Web3

from votes.devnet.anvil import Anvil
from votes.devnet.anvil_memory import DevnetOutOfMemory
from votes.devnet.beacon_api_server import BeaconApiServer, SimulatedBeaconChain
from votes.devnet.chain import DevnetChain
from votes.devnet.deploy import Deployment, deploy
from votes.devnet.devnet_transport import DevnetProvider

GENESIS_TIMESTAMP = 1_767_225_600  # 2026-01-01 00:00 UTC: a fixed start keeps runs identical
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def connect(url: str) -> Web3:
    """A bare Web3: transactions are signed locally and nothing here needs web3's middleware
    (whose per-request validation costs more than the devnet's own work). A local node gets
    the lean transport (`devnet_transport`); any other URL web3's own."""
    local = urlsplit(url).scheme == "http" and urlsplit(url).hostname in LOCAL_HOSTS
    provider = (
        DevnetProvider(url) if local else Web3.HTTPProvider(url, request_kwargs={"timeout": 30})
    )
    return Web3(provider, middleware=[])


def existing_deployment(w3: Web3, path: Path) -> Deployment | None:
    """The deployment recorded in `path`, if the node at hand really has it."""
    if not path.exists():
        return None
    deployment = Deployment.load(path)
    code = w3.eth.get_code(Web3.to_checksum_address(deployment.rocket_storage))
    return deployment if len(code) > 0 else None


PROTOCOLS = ("rocketpool", "imitation")


def deploy_protocol(protocol: str, chain: DevnetChain, url: str, interval: int) -> Deployment:
    """The real Rocket Pool (v1.3.1, with v1.4 staged), or the hand-written contracts that
    remain only for the pre-Houston ABI eras."""
    if protocol == "rocketpool":
        from votes.devnet.protocol.devnet import deploy_rocketpool

        return deploy_rocketpool(chain, url, interval)
    if protocol == "imitation":
        return deploy(chain, url, interval)
    raise ValueError(f"unknown devnet protocol {protocol!r} ({' or '.join(PROTOCOLS)})")


@contextmanager
def open_devnet(rpc_url: str | None = None, reward_interval_days: int = 7,
                protocol: str = "rocketpool"):  # fmt: skip
    """Yield (chain, deployment); starts and finally stops anvil when no rpc_url is given."""
    anvil = None if rpc_url else Anvil(genesis_timestamp=GENESIS_TIMESTAMP)
    beacon = None
    try:
        url = rpc_url or anvil.url
        chain = DevnetChain(connect(url))
        deployment = existing_deployment(chain.w3, settings.TOWERWATCH_DEVNET_FILE)
        if deployment is None or deployment.rpc_url != url:
            deployment = deploy_protocol(protocol, chain, url, reward_interval_days * 86400)
        chain.beacon = SimulatedBeaconChain(genesis_time=chain.w3.eth.get_block(0)["timestamp"])
        beacon = BeaconApiServer(chain.beacon)
        deployment.beacon_url = beacon.start()
        deployment.save(settings.TOWERWATCH_DEVNET_FILE)
        yield chain, deployment
    except Exception as error:
        if anvil is not None and anvil.out_of_memory:
            raise DevnetOutOfMemory(anvil.out_of_memory) from error
        raise
    finally:
        if beacon is not None:
            beacon.close()
        if anvil is not None:
            anvil.stop()
