"""Networks are configuration: where RocketStorage is, where to start, which node to ask."""

from dataclasses import dataclass, field

from django.conf import settings

MAINNET_ROCKET_STORAGE = "0x1d8f8f00cfa6758d7bE78336684788Fb0ee0Fa46"
# The v1.0 contracts and the first block each was indexed from by a public subgraph of mainnet
# (shared/spec/odao-protocol.md, "Mainnet anchors"): discovery must reproduce these addresses.
MAINNET_V1_0_ANCHORS = {
    "rocketMinipoolManager": ("0xFc1a4a1eaF9e80FA5380ce45d9D12bdF7A81ca18", 13_325_242),
    "rocketMinipoolQueue": ("0x5870dA524635D1310Dc0e6F256Ce331012C9C19E", 13_325_244),
    "rocketNetworkBalances": ("0x138313f102cE9a0662F826fCA977E3ab4D6e5539", 13_325_250),
    "rocketNetworkPrices": ("0xd3f500F550F46e504A4D2153127B47e007e11166", 13_325_254),
    "rocketRewardsPool": ("0xA3a18348e6E2d3897B6f2671bb8c120e36554802", 13_325_257),
    "rocketNodeManager": ("0x4477Fbf4Af5b34E49662d9217681a763dDc0a322", 13_325_266),
    "rocketNodeStaking": ("0x3019227b2b8493e45Bf5d25302139c9a2713BF15", 13_325_267),
    "rocketDAONodeTrustedActions": ("0x5b9B2494060138470a2b834f6003c0343a585349", 13_325_274),
    "rocketTokenRETH": ("0xae78736Cd615f374D3085123A210448E74Fc6393", 13_325_304),
}
# RocketStorage was deployed before every one of them: start at or before the first.
MAINNET_START_BLOCK = 13_325_000
# Past addresses named in the watchtower's configuration (shared/spec/odao-protocol.md §1).
MAINNET_KNOWN_ADDRESSES = {
    "rocketNetworkPrices": [
        "0xd3f500F550F46e504A4D2153127B47e007e11166",
        "0x751826b107672360b764327631cC5764515fFC37",
    ],
    "rocketNetworkBalances": ["0x07FCaBCbe4ff0d80c2b1eb42855C0131b6cba2F4"],
    "rocketRewardsPool": [
        "0xA3a18348e6E2d3897B6f2671bb8c120e36554802",
        "0x594Fb75D3dc2DFa0150Ad03F99F97817747dd4E1",
        "0xA805d68b61956BC92d556F2bE6d18747adAeEe82",
        "0xEE4d2A71cF479e0D3d0c3c2C923dbfEB57E73111",
    ],
}
# The storage names whose logs the indexer reads, and the settings contracts it reads thresholds
# from (Saturn replaced the network settings and added the megapool ones).
TRACKED_NAMES = (
    "rocketDAONodeTrustedActions",
    "rocketDAONodeTrusted",
    "rocketDAOProtocolSettingsNetwork",
    "rocketDAONodeTrustedSettingsMinipool",
    "rocketDAOProtocolSettingsMegapool",
    "rocketNetworkBalances",
    "rocketNetworkPrices",
    "rocketRewardsPool",
    "rocketNetworkPenalties",
    "rocketMegapoolPenalties",
    "rocketMegapoolManager",
    "rocketMinipoolBondReducer",
    "rocketMinipoolManager",
)


class NetworkConfigError(Exception):
    pass


@dataclass
class NetworkConfig:
    name: str
    rpc_url: str
    rocket_storage: str
    start_block: int
    known_addresses: dict[str, list[str]] = field(default_factory=dict)
    world: str | None = None  # devnet only: the ground-truth contract the simulator drives


def get_network(name: str | None = None, rpc_url: str | None = None) -> NetworkConfig:
    name = name or settings.TOWERWATCH_NETWORK
    if name == "mainnet":
        url = rpc_url or settings.TOWERWATCH_RPC_URL
        if not url:
            raise NetworkConfigError("mainnet needs an RPC URL: set RPC_URL or pass --rpc")
        return NetworkConfig("mainnet", url, MAINNET_ROCKET_STORAGE, MAINNET_START_BLOCK,
                             MAINNET_KNOWN_ADDRESSES)  # fmt: skip
    if name == "devnet":
        from votes.devnet.deploy import Deployment

        path = settings.TOWERWATCH_DEVNET_FILE
        if not path.exists():
            raise NetworkConfigError(
                f"no devnet deployment at {path}: run `manage.py devnet` or `manage.py simulate`"
            )
        deployment = Deployment.load(path)
        url = rpc_url or settings.TOWERWATCH_RPC_URL or deployment.rpc_url
        return NetworkConfig("devnet", url, deployment.rocket_storage, deployment.deploy_block,
                             world=deployment.world)  # fmt: skip
    raise NetworkConfigError(f"unknown network {name!r} (devnet or mainnet)")
