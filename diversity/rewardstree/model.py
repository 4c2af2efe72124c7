"""Plain data of a rewards file and of the on-chain RewardSubmission struct.

Amounts are Python ints of wei, addresses lower-case `0x` strings, roots 32-byte `bytes`. A node's
`merkle_proof` stays the list of hex strings the file carries: checking it against the rebuilt tree
is a string comparison, and decoding ~30,000 of them up front would double the parse time.
Fields the verifier does not interpret are kept in `extra` so a file can be written back in the
published format without losing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .formats import file_format

MAX_NETWORK_ID = 1024  # arrays are indexed by network id; guards against absurd ids


@dataclass(slots=True)  # ~2,600 per mainnet file: slots make them cheaper to build and drop
class NodeReward:
    """One claimer's entry in `nodeRewards`: what it may claim on `reward_network`."""

    address: str
    reward_network: int = 0
    collateral_rpl: int = 0
    oracle_dao_rpl: int = 0
    smoothing_pool_eth: int = 0
    voter_share_eth: int = 0
    merkle_proof: list[str] = field(default_factory=list)  # 0x-hex siblings, as published
    extra: dict = field(default_factory=dict)

    @property
    def total_rpl(self) -> int:
        """The RPL the claim pays: collateral plus oDAO rewards, as the leaf encodes it."""
        return self.collateral_rpl + self.oracle_dao_rpl


@dataclass
class NetworkRewards:
    """Per-network totals from `networkRewards` (network 0 is mainnet)."""

    collateral_rpl: int = 0
    oracle_dao_rpl: int = 0
    smoothing_pool_eth: int = 0


@dataclass
class RewardsFile:
    """A parsed rewards file (any published JSON version)."""

    version: int
    index: int
    network: str = "mainnet"
    ruleset_version: int | None = None
    start_time: str = ""
    end_time: str = ""
    consensus_start_block: int | None = None
    consensus_end_block: int = 0
    execution_start_block: int | None = None
    execution_end_block: int = 0
    intervals_passed: int = 1
    merkle_root: bytes = b""
    total_rewards: dict[str, int | None] = field(default_factory=dict)  # None: written as null
    network_rewards: dict[int, NetworkRewards] = field(default_factory=dict)
    nodes: list[NodeReward] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def has_voter_share(self) -> bool:
        """Whether leaves carry the fifth field (voterShareEth); False for an unknown version."""
        known = file_format(self.version)
        return known is not None and known.voter_share

    def node(self, address: str) -> NodeReward | None:
        """The entry for `address` (any case), or None."""
        wanted = address.lower()
        return next((n for n in self.nodes if n.address == wanted), None)


@dataclass
class RewardSubmission:
    """The struct a member passes to `submitRewardSnapshot` (RocketRewardsPool v1.1-v1.3).

    v1.4 dropped `merkleTreeCID` and added `smoothingPoolETH` and `treasuryETH`; they are optional
    here so a decoded v1.4 submission fits too (None = not part of the submitted struct).
    """

    rewardIndex: int
    executionBlock: int
    consensusBlock: int
    merkleRoot: bytes
    merkleTreeCID: str | None = ""
    intervalsPassed: int = 1
    treasuryRPL: int = 0
    trustedNodeRPL: list[int] = field(default_factory=list)
    nodeRPL: list[int] = field(default_factory=list)
    nodeETH: list[int] = field(default_factory=list)
    userETH: int = 0
    smoothingPoolETH: int | None = None
    treasuryETH: int | None = None

    @classmethod
    def from_rewards_file(cls, rf: RewardsFile, merkle_tree_cid: str = "") -> RewardSubmission:
        """The v1.1-v1.3 submission a member would make for this file.

        Arrays run over networks 0..highest present, zero for unused ones (as smartnode builds
        them). Since smartnode v1.16 the CID string is empty, hence the default.
        """
        top = max(rf.network_rewards, default=0)
        if top > MAX_NETWORK_ID:
            raise ValueError(f"network id {top} is implausibly large for a submission array")
        nets = [rf.network_rewards.get(n, NetworkRewards()) for n in range(top + 1)]
        return cls(
            rewardIndex=rf.index,
            executionBlock=rf.execution_end_block,
            consensusBlock=rf.consensus_end_block,
            merkleRoot=rf.merkle_root,
            merkleTreeCID=merkle_tree_cid,
            intervalsPassed=rf.intervals_passed,
            treasuryRPL=rf.total_rewards.get("protocolDaoRpl", 0),
            trustedNodeRPL=[n.oracle_dao_rpl for n in nets],
            nodeRPL=[n.collateral_rpl for n in nets],
            nodeETH=[n.smoothing_pool_eth for n in nets],
            userETH=rf.total_rewards.get("poolStakerSmoothingPoolEth", 0),
        )
