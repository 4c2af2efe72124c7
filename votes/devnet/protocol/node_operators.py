"""Node operators and stakers on the real-protocol devnet, as planned stages: a node registers
and stakes the RPL its minipools need; a staker deposits ETH and is minted rETH.

RPL comes from the guardian: in the devnet's deployment `rocketTokenRPLFixedSupply` is the
protocol's `RocketTokenDummyRPL`, which the guardian may mint, and `RocketTokenRPL.swapTokens`
turns it into RPL one for one (as members get their bond in `oracle_dao.join_stages`).
"""

from votes.devnet.protocol.oracle_dao import PlannedTx, call
from votes.devnet.protocol.system import ProtocolSystem
from votes.devnet.transactions import Signer

ETHER = 10**18
SETUP_GAS = 6_000_000  # set-up transactions deploy contracts (minipools, megapools)
TIMEZONE = "Etc/UTC"


def register_node_stages(system: ProtocolSystem, node: Signer) -> list[list[PlannedTx]]:
    """`registerNode` also initialises the node's fee distributor, which deposits require."""
    return [[call(system, node, "rocketNodeManager", "registerNode", TIMEZONE)]]


def rpl_stake_stages(system: ProtocolSystem, guardian: Signer, node: Signer,
                     amount: int) -> list[list[PlannedTx]]:  # fmt: skip
    """Mint dummy RPL to the node, swap it for RPL and stake it (a registered node)."""
    rpl, staking = system.address("rocketTokenRPL"), system.address("rocketNodeStaking")
    return [
        [call(system, guardian, "rocketTokenRPLFixedSupply", "mint", node.address, amount)],
        [
            call(system, node, "rocketTokenRPLFixedSupply", "approve", rpl, amount),
            call(system, node, "rocketTokenRPL", "swapTokens", amount),
            call(system, node, "rocketTokenRPL", "approve", staking, amount),
            call(system, node, "rocketNodeStaking", "stakeRPL", amount),
        ],
    ]


def minipool_rpl_stake(system: ProtocolSystem, bond: int, minipools: int = 1) -> int:
    """The RPL a node must stake before creating `minipools` minipools of `bond` ETH each:
    Houston limits the ETH matched to the node (32 - bond per minipool) to
    RPL stake x RPL price / `node.per.minipool.stake.minimum`."""
    node_settings = system.contract("rocketDAOProtocolSettingsNode").functions
    minimum = node_settings.getMinimumPerMinipoolStake().call()
    price = system.contract("rocketNetworkPrices").functions.getRPLPrice().call()
    matched = (32 * ETHER - bond) * minipools
    return -(-matched * minimum // price)


def staker_deposit(system: ProtocolSystem, staker: Signer, amount: int) -> PlannedTx:
    """ETH into `RocketDepositPool.deposit()`, which mints rETH to the staker (less the
    deposit fee): balances rounds need a non-zero rETH supply."""
    to, data = system.encode("rocketDepositPool", "deposit")
    return PlannedTx(staker, to, data, gas=SETUP_GAS, value=amount)
