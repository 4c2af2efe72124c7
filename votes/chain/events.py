"""Every event ABI the oDAO has used, keyed by topic0, with how to read its values.

The protocol changed event signatures at upgrades (Houston added slot timestamps; the rewards
struct is part of the signature), so logs are decoded by topic, never by "current ABI". Two
versions collide (prices v1.0 and v1.3 share topics); `EventSpec.legacy_version_max` says which
emitter versions read the legacy layout.
"""

from dataclasses import dataclass

from eth_utils import keccak

REWARD_SUBMISSION_V1 = (
    "(uint256,uint256,uint256,bytes32,string,uint256,uint256,uint256[],uint256[],uint256[],uint256)"
)
REWARD_SUBMISSION_V1_FIELDS = (
    "reward_index", "execution_block", "consensus_block", "merkle_root", "merkle_tree_cid",
    "intervals_passed", "treasury_rpl", "trusted_node_rpl", "node_rpl", "node_eth", "user_eth",
)  # fmt: skip
REWARD_SUBMISSION_V2 = "(uint256,uint256,uint256,bytes32,uint256,uint256,uint256,uint256,uint256,uint256[],uint256[],uint256[])"
REWARD_SUBMISSION_V2_FIELDS = (
    "reward_index", "execution_block", "consensus_block", "merkle_root", "intervals_passed",
    "smoothing_pool_eth", "treasury_rpl", "treasury_eth", "user_eth", "trusted_node_rpl",
    "node_rpl", "node_eth",
)  # fmt: skip


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    indexed: bool = False


@dataclass(frozen=True)
class EventSpec:
    """One event signature. `kind` is what it means to the indexer."""

    name: str
    fields: tuple[Field, ...]
    duty: str | None  # a Duty value (votes.models); None for membership and minipools
    kind: str  # submitted, updated, joined, left, kicked, challenge_decided, minipool_created

    era: str  # the release that introduced this layout
    struct_fields: tuple[str, ...] = ()

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(f.type for f in self.fields)})"

    @property
    def topic0(self) -> bytes:
        return keccak(text=self.signature)

    @property
    def topic_count(self) -> int:
        return 1 + sum(1 for f in self.fields if f.indexed)


def _f(spec: str) -> tuple[Field, ...]:
    """'address from!, uint256 block' -> fields; '!' marks an indexed field."""
    fields, depth, parts, current = [], 0, [], ""
    for char in spec:  # split on commas outside parentheses (struct types contain commas)
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    for part in [*parts, current]:
        type_, name = part.strip().rsplit(" ", 1)
        fields.append(Field(name.rstrip("!"), type_, name.endswith("!")))
    return tuple(fields)


EVENTS: tuple[EventSpec, ...] = (
    # Membership (RocketDAONodeTrustedActions; never replaced). ActionKick's amount is the RPL
    # bond refunded (bond - fine), not the fine. A successful ActionChallengeDecided removes the
    # challenged member just as a leave does.
    EventSpec("ActionJoined", _f("address node!, uint256 rpl_bond, uint256 time"), None, "joined", "v1.0"),
    EventSpec("ActionLeave", _f("address node!, uint256 rpl_bond_refund, uint256 time"), None, "left", "v1.0"),
    EventSpec("ActionKick", _f("address node!, uint256 rpl_bond_refund, uint256 time"), None, "kicked", "v1.0"),
    EventSpec("ActionChallengeDecided", _f("address node!, address decider!, bool success, uint256 time"), None, "challenge_decided", "v1.0"),
    # Balances
    EventSpec("BalancesSubmitted", _f("address from!, uint256 block, uint256 total_eth, uint256 staking_eth, uint256 reth_supply, uint256 time"), "balances", "submitted", "v1.0"),
    EventSpec("BalancesUpdated", _f("uint256 block, uint256 total_eth, uint256 staking_eth, uint256 reth_supply, uint256 time"), "balances", "updated", "v1.0"),
    EventSpec("BalancesSubmitted", _f("address from!, uint256 block, uint256 slot_timestamp, uint256 total_eth, uint256 staking_eth, uint256 reth_supply, uint256 time"), "balances", "submitted", "v1.3"),
    EventSpec("BalancesUpdated", _f("uint256 block!, uint256 slot_timestamp, uint256 total_eth, uint256 staking_eth, uint256 reth_supply, uint256 time"), "balances", "updated", "v1.3"),
    # Prices (v1.0 and v1.3 collide on topic0 for PricesSubmitted; see module docstring)
    EventSpec("PricesSubmitted", _f("address from!, uint256 block, uint256 rpl_price, uint256 effective_rpl_stake, uint256 time"), "prices", "submitted", "v1.0"),
    EventSpec("PricesUpdated", _f("uint256 block, uint256 rpl_price, uint256 effective_rpl_stake, uint256 time"), "prices", "updated", "v1.0"),
    EventSpec("PricesSubmitted", _f("address from!, uint256 block, uint256 rpl_price, uint256 time"), "prices", "submitted", "v1.2"),
    EventSpec("PricesUpdated", _f("uint256 block, uint256 rpl_price, uint256 time"), "prices", "updated", "v1.2"),
    EventSpec("PricesSubmitted", _f("address from!, uint256 block, uint256 slot_timestamp, uint256 rpl_price, uint256 time"), "prices", "submitted", "v1.3"),
    EventSpec("PricesUpdated", _f("uint256 block!, uint256 slot_timestamp, uint256 rpl_price, uint256 time"), "prices", "updated", "v1.3"),
    # Rewards (the struct is part of the signature)
    EventSpec("RewardSnapshotSubmitted", _f(f"address from!, uint256 reward_index!, {REWARD_SUBMISSION_V1} submission, uint256 time"), "rewards", "submitted", "v1.1", REWARD_SUBMISSION_V1_FIELDS),
    EventSpec("RewardSnapshot", _f(f"uint256 reward_index!, {REWARD_SUBMISSION_V1} submission, uint256 interval_start, uint256 interval_end, uint256 time"), "rewards", "updated", "v1.1", REWARD_SUBMISSION_V1_FIELDS),
    EventSpec("RewardSnapshotSubmitted", _f(f"address from!, uint256 reward_index!, {REWARD_SUBMISSION_V2} submission, uint256 time"), "rewards", "submitted", "v1.4", REWARD_SUBMISSION_V2_FIELDS),
    EventSpec("RewardSnapshot", _f(f"uint256 reward_index!, {REWARD_SUBMISSION_V2} submission, uint256 interval_start, uint256 interval_end, uint256 time"), "rewards", "updated", "v1.4", REWARD_SUBMISSION_V2_FIELDS),
    # Scrubs (emitted by each minipool) and minipool creation (the scrub round opens)
    EventSpec("ScrubVoted", _f("address from!, uint256 time"), "scrub", "submitted", "v1.0"),
    EventSpec("MinipoolScrubbed", _f("uint256 time"), "scrub", "updated", "v1.0"),
    EventSpec("MinipoolCreated", _f("address minipool!, address node!, uint256 time"), None, "minipool_created", "v1.0"),
    # Minipool penalties (RocketNetworkPenalties). v1.4 indexes the minipool (same topic0, one
    # topic more) and logs PenaltyApplied, before PenaltySubmitted, in the crossing vote. v1.3.1
    # logs nothing when a penalty applies (its PenaltyUpdated only reports a new rate, from a
    # minipool's third penalty on, and is not read).
    EventSpec("PenaltySubmitted", _f("address from!, address minipool, uint256 block, uint256 time"), "penalty", "submitted", "v1.1"),
    EventSpec("PenaltySubmitted", _f("address from!, address minipool!, uint256 block, uint256 time"), "penalty", "submitted", "v1.4"),
    EventSpec("PenaltyApplied", _f("address minipool!, uint256 block, uint256 time"), "penalty", "updated", "v1.4"),
    # Megapool penalties (RocketMegapoolPenalties, Saturn): a topic0 of their own.
    EventSpec("PenaltySubmitted", _f("address from!, address megapool, uint256 block, uint256 amount, uint256 time"), "megapool_penalty", "submitted", "v1.4"),
    EventSpec("PenaltyApplied", _f("address megapool!, uint256 block, uint256 amount, uint256 time"), "megapool_penalty", "updated", "v1.4"),
    # Bond-reduction cancels (RocketMinipoolBondReducer, Atlas to Houston; always reverts in v1.4)
    EventSpec("CancelReductionVoted", _f("address minipool!, address from!, uint256 time"), "bond_cancel", "submitted", "v1.2"),
    EventSpec("ReductionCancelled", _f("address minipool!, uint256 time"), "bond_cancel", "updated", "v1.2"),
)  # fmt: skip

MINIPOOL_EVENTS = tuple(spec for spec in EVENTS if spec.duty == "scrub")


def specs_by_topic() -> dict[bytes, list[EventSpec]]:
    table: dict[bytes, list[EventSpec]] = {}
    for spec in EVENTS:
        table.setdefault(spec.topic0, []).append(spec)
    return table
