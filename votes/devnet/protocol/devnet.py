"""A devnet running the real protocol: v1.3.1 deployed, configured for a small test network
while the guardian's bootstrap mode allows it, and the v1.4 upgrade staged for later.

What the guardian sets here is what a devnet needs and mainnet had set long ago: node
registration and deposits open, and short oDAO proposal delays (so that leaving and kicking,
which go through proposals, fit in a simulated day).
"""

from dataclasses import asdict

from votes.devnet.chain import DevnetChain
from votes.devnet.deploy import ContractEra, Deployment, deploy_contract, guardian_signer
from votes.devnet.protocol import plans
from votes.devnet.protocol.build import build_all
from votes.devnet.protocol.contracts import ProtocolContracts
from votes.devnet.protocol.deployer import Deployer, deploy_houston, stage_saturn
from votes.devnet.protocol.oracle_dao import PROPOSAL_SETTINGS
from votes.devnet.protocol.system import HOUSTON_TAG, SATURN_TAG, ProtocolAddresses

ETHER = 10**18
PROTOCOL_SETTINGS = (
    ("rocketDAOProtocolSettingsNode", "node.registration.enabled", True),
    ("rocketDAOProtocolSettingsNode", "node.vacant.minipools.enabled", True),
    ("rocketDAOProtocolSettingsDeposit", "deposit.enabled", True),
    ("rocketDAOProtocolSettingsDeposit", "deposit.pool.maximum", 10**9 * ETHER),
)


def configure(deployer: Deployer, addresses: dict[str, str]) -> None:
    protocol, dao = addresses["rocketDAOProtocol"], addresses["rocketDAONodeTrusted"]
    for contract_name, path, value in PROTOCOL_SETTINGS:
        setter = "bootstrapSettingBool" if isinstance(value, bool) else "bootstrapSettingUint"
        deployer.call(HOUSTON_TAG, "RocketDAOProtocol", protocol, setter, contract_name, path,
                      value)  # fmt: skip
    for path, value in PROPOSAL_SETTINGS.items():
        deployer.call(HOUSTON_TAG, "RocketDAONodeTrusted", dao, "bootstrapSettingUint",
                      "rocketDAONodeTrustedSettingsProposals", path, value)  # fmt: skip


def houston_eras(registered_at: dict[str, int], addresses: dict[str, str]) -> list[ContractEra]:
    artifacts = dict(plans.HOUSTON_CONTRACTS) | {"rocketStorage": "RocketStorage",
                                                  "casperDeposit": "CasperDeposit"}  # fmt: skip
    return [
        ContractEra(name, address, artifacts[name], registered_at[name], release=HOUSTON_TAG)
        for name, address in addresses.items()
        if name in registered_at
    ]


def deploy_rocketpool(chain: DevnetChain, rpc_url: str, reward_interval_seconds: int) -> Deployment:
    build_all()
    guardian = guardian_signer(chain)
    deployer = Deployer(chain, guardian, ProtocolContracts(chain.w3))
    storage, houston = deploy_houston(deployer)
    configure(deployer, houston.addresses)
    saturn = stage_saturn(deployer, storage, houston.addresses["rocketDAONodeTrusted"])
    upgrade_name, upgrade_artifact = plans.SATURN_UPGRADE_CONTRACT
    eras = houston_eras(houston.registered_at, houston.addresses)
    eras.append(ContractEra(upgrade_name, saturn.addresses[upgrade_name], upgrade_artifact,
                            chain.w3.eth.block_number, release=SATURN_TAG))  # fmt: skip
    world = deploy_contract(chain, guardian, "DevnetWorld")
    addresses = ProtocolAddresses(storage, houston.addresses, saturn.addresses)
    return Deployment(
        rpc_url=rpc_url,
        chain_id=chain.w3.eth.chain_id,
        rocket_storage=storage,
        world=world,
        guardian=guardian.address,
        deploy_block=houston.block,
        reward_interval_seconds=reward_interval_seconds,
        eras=eras,
        protocol=asdict(addresses),
    )


def join_members(chain: DevnetChain, system, guardian, members, timestamp=None) -> list:
    """Members join together, the real way, in three blocks (see `oracle_dao.join_stages`)."""
    from votes.devnet.protocol.driver import merge_stages, run_stages
    from votes.devnet.protocol.oracle_dao import join_stages
    from votes.devnet.transactions import fund

    for member in members:
        fund(chain.w3, member.address, 10**21)
        member.signer.nonce = chain.w3.eth.get_transaction_count(member.address)
    stages = merge_stages([join_stages(system, guardian, m.signer, m.member_id, m.url)
                           for m in members])  # fmt: skip
    return run_stages(chain, stages, timestamp)
