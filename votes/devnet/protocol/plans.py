"""The order and arguments in which each release's own scripts deploy it, as data (read from
`test/_helpers/deployment.js` of v1.3.1 and `scripts/deploy-upgrade.v1.4.js` of v1.4).

Each entry is (name in RocketStorage, contract). The order matters: it fixes every address.
"""

# v1.3.1 `deployRocketPool()`: every network contract, in the script's order.
HOUSTON_CONTRACTS = (
    ("rocketVault", "RocketVault"),
    ("rocketTokenRPLFixedSupply", "RocketTokenDummyRPL"),
    ("rocketTokenRETH", "RocketTokenRETH"),
    ("rocketTokenRPL", "RocketTokenRPL"),
    ("rocketAuctionManager", "RocketAuctionManager"),
    ("rocketDepositPool", "RocketDepositPool"),
    ("rocketMinipoolDelegate", "RocketMinipoolDelegate"),
    ("rocketMinipoolManager", "RocketMinipoolManager"),
    ("rocketMinipoolQueue", "RocketMinipoolQueue"),
    ("rocketMinipoolPenalty", "RocketMinipoolPenalty"),
    ("rocketNetworkBalances", "RocketNetworkBalances"),
    ("rocketNetworkFees", "RocketNetworkFees"),
    ("rocketNetworkPrices", "RocketNetworkPrices"),
    ("rocketNetworkPenalties", "RocketNetworkPenalties"),
    ("rocketRewardsPool", "RocketRewardsPool"),
    ("rocketClaimDAO", "RocketClaimDAO"),
    ("rocketNodeDeposit", "RocketNodeDeposit"),
    ("rocketNodeManager", "RocketNodeManager"),
    ("rocketNodeStaking", "RocketNodeStaking"),
    ("rocketDAOProposal", "RocketDAOProposal"),
    ("rocketDAONodeTrusted", "RocketDAONodeTrusted"),
    ("rocketDAONodeTrustedProposals", "RocketDAONodeTrustedProposals"),
    ("rocketDAONodeTrustedActions", "RocketDAONodeTrustedActions"),
    ("rocketDAONodeTrustedUpgrade", "RocketDAONodeTrustedUpgrade"),
    ("rocketDAONodeTrustedSettingsMembers", "RocketDAONodeTrustedSettingsMembers"),
    ("rocketDAONodeTrustedSettingsProposals", "RocketDAONodeTrustedSettingsProposals"),
    ("rocketDAONodeTrustedSettingsMinipool", "RocketDAONodeTrustedSettingsMinipool"),
    ("rocketDAOProtocol", "RocketDAOProtocol"),
    ("rocketDAOProtocolProposals", "RocketDAOProtocolProposals"),
    ("rocketDAOProtocolActions", "RocketDAOProtocolActions"),
    ("rocketDAOProtocolSettingsInflation", "RocketDAOProtocolSettingsInflation"),
    ("rocketDAOProtocolSettingsRewards", "RocketDAOProtocolSettingsRewards"),
    ("rocketDAOProtocolSettingsAuction", "RocketDAOProtocolSettingsAuction"),
    ("rocketDAOProtocolSettingsNode", "RocketDAOProtocolSettingsNode"),
    ("rocketDAOProtocolSettingsNetwork", "RocketDAOProtocolSettingsNetwork"),
    ("rocketDAOProtocolSettingsDeposit", "RocketDAOProtocolSettingsDeposit"),
    ("rocketDAOProtocolSettingsMinipool", "RocketDAOProtocolSettingsMinipool"),
    ("rocketMerkleDistributorMainnet", "RocketMerkleDistributorMainnet"),
    ("rocketDAONodeTrustedSettingsRewards", "RocketDAONodeTrustedSettingsRewards"),
    ("rocketSmoothingPool", "RocketSmoothingPool"),
    ("rocketNodeDistributorFactory", "RocketNodeDistributorFactory"),
    ("rocketNodeDistributorDelegate", "RocketNodeDistributorDelegate"),
    ("rocketMinipoolFactory", "RocketMinipoolFactory"),
    ("rocketMinipoolBase", "RocketMinipoolBase"),
    ("rocketMinipoolBondReducer", "RocketMinipoolBondReducer"),
    ("rocketNetworkSnapshots", "RocketNetworkSnapshots"),
    ("rocketNetworkVoting", "RocketNetworkVoting"),
    ("rocketDAOProtocolSettingsProposals", "RocketDAOProtocolSettingsProposals"),
    ("rocketDAOProtocolVerifier", "RocketDAOProtocolVerifier"),
    ("rocketDAOSecurity", "RocketDAOSecurity"),
    ("rocketDAOSecurityActions", "RocketDAOSecurityActions"),
    ("rocketDAOSecurityProposals", "RocketDAOSecurityProposals"),
    ("rocketDAOProtocolSettingsSecurity", "RocketDAOProtocolSettingsSecurity"),
    ("rocketDAOProtocolProposal", "RocketDAOProtocolProposal"),
    ("addressQueueStorage", "AddressQueueStorage"),
    ("addressSetStorage", "AddressSetStorage"),
)
HOUSTON_NO_CONSTRUCTOR_ARGS = {"rocketMinipoolDelegate", "rocketNodeDistributorDelegate",
                               "rocketMinipoolBase"}  # fmt: skip
# Written to `contract.address` right after deployment (the script's "immutable addresses").
HOUSTON_ADDRESS_FIRST = {"rocketVault", "rocketTokenRETH"}
# An ABI-only entry: minipools are created by the factory, their ABI is delegate + base.
HOUSTON_MINIPOOL_ABI = ("rocketMinipool", ("RocketMinipoolDelegate", "RocketMinipoolBase"))
HOUSTON_PROTOCOL_VERSION = "1.3.0"  # what v1.3.1's script writes to `protocol.version`

# v1.4 `deployUpgrade()`: the contracts, whose addresses and ABIs go to
# `RocketUpgradeOneDotFour.setA` and `.setB` in exactly these orders.
SATURN_SET_A = (
    "rocketMegapoolDelegate", "rocketMegapoolFactory", "rocketMegapoolProxy",
    "rocketMegapoolManager", "rocketNodeManager", "rocketNodeDeposit", "rocketNodeStaking",
    "rocketDepositPool", "linkedListStorage", "rocketDAOProtocol", "rocketDAOProtocolProposals",
    "rocketDAOProtocolSettingsNode", "rocketDAOProtocolSettingsDeposit",
    "rocketDAOProtocolSettingsNetwork", "rocketDAOProtocolSettingsSecurity",
    "rocketDAOProtocolSettingsMegapool", "rocketDAOProtocolSettingsMinipool",
)  # fmt: skip
SATURN_SET_B = (
    "rocketDAOSecurityUpgrade", "rocketDAOSecurityProposals", "rocketDAONodeTrustedUpgrade",
    "rocketNetworkRevenues", "rocketNetworkBalances", "rocketNetworkSnapshots",
    "rocketNetworkPenalties", "rocketRewardsPool", "beaconStateVerifier",
    "rocketNodeDistributorDelegate", "rocketClaimDAO", "rocketMinipoolBondReducer",
    "rocketMinipoolManager", "rocketNetworkVoting", "rocketMerkleDistributorMainnet",
    "rocketMegapoolPenalties", "rocketNetworkSnapshotsTime", "rocketDAOProtocolSettingsProposals",
)  # fmt: skip
# The script deploys in this order (its `networkContracts`: the setA names, then the setB
# names), then the upgrade contract.
SATURN_DEPLOY_ORDER = SATURN_SET_A + SATURN_SET_B
SATURN_NO_CONSTRUCTOR_ARGS = {"rocketNodeDistributorDelegate"}
SATURN_UPGRADE_CONTRACT = ("rocketUpgradeOneDotFour", "RocketUpgradeOneDotFour")
# `beaconStateVerifier`'s constructor for a private chain (the script's CHAINS.private):
# slotsPerHistoricalRoot, forkSlots (Altair..Electra), beacon roots contract (EIP-4788),
# genesis block timestamp, genesis validators root.
SATURN_PRIVATE_BEACON = (
    8192,
    [0, 0, 0, 0, 0],
    "0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02",
    1762861080,
    bytes.fromhex("ec9caf9aad26d20776fbd9e03b61dee7e7bd155a32d1593d43c47df730c40f14"),
)


def saturn_artifact(name: str) -> str:
    """v1.4 names its artifacts after the storage name, capitalised (rocketX -> RocketX)."""
    return name[0].upper() + name[1:]
