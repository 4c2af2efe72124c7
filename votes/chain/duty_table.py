"""Every function a Rocket Pool release reserves for oDAO members, as data: either a duty the
indexer follows (its events, how the contract decides, what happens to a late vote) or a
function that is no vote (proposals, membership actions, upgrade execution).

The consensus replay reads its rules from here, the README's table is rendered from here, and a
test parses each release's source for `onlyTrustedNode` functions and fails on any that is in
neither list, so a release that adds a duty cannot slip past unseen.
"""

from dataclasses import dataclass

from votes.chain.events import EVENTS, EventSpec

HOUSTON, SATURN = "v1.3.1", "v1.4"
RELEASES = (HOUSTON, SATURN)

# How a vote decides, exactly as the contracts compute it (count includes the vote at hand).
THRESHOLD = "threshold"  # 1e18 * count // members >= threshold
QUORUM = "quorum"  # count > members * quorum // 1e18
SINGLE = "single"  # one member's call acts at once; no count
# What a vote cast after the value was applied does.
RECORDED = "recorded"  # emitted and stored, changes nothing (Houston on)
REVERTS = "reverts"  # the transaction reverts: only the member's transaction shows it
# Why a crossing vote may still be refused.
RPIP_61 = "rpip-61"  # 95% of the update frequency since the last update, rETH ratio delta
PAYOUT = "payout"  # the crossing rewards vote executes the snapshot, which pays out and can fail
PENALTY_LIMIT = "penalty-limit"  # v1.4: at most so many penalties network-wide per rolling week
# The contract's revert reasons for a refusal: a reverted crossing vote with one of them is
# consensus the contract refused to apply. (v1.3.1's payout can only fail on the relay check.)
REFUSAL_REASONS = {
    RPIP_61: ("Not enough time has passed", "Change exceeds maximum"),
    PAYOUT: ("Snapshot contains rewards for invalid network", "Failed to send ETH rewards to relay",
             "Failed to send user rewards", "Failed to send pDAO rewards"),
    PENALTY_LIMIT: ("Max penalty exceeded",),
}  # fmt: skip


def event(name: str, era: str, duty: str | None = None) -> EventSpec:
    """The indexer's EventSpec for an event layout (the name alone is ambiguous across eras)."""
    matches = [s for s in EVENTS if s.name == name and s.era == era and s.duty == duty]
    if len(matches) != 1:
        raise LookupError(f"{len(matches)} event specs for {name} {era} {duty}")
    return matches[0]


@dataclass(frozen=True)
class Setting:
    """Where a threshold lives: a settings contract's storage name and its getter."""

    contract: str
    getter: str


@dataclass(frozen=True)
class IndexedDuty:
    duty: str  # a votes.models.Duty value
    release: str
    contract: str  # the Solidity contract that holds the function
    emitter: str  # the storage name whose logs carry the events, or "minipool" / "megapool"
    function: str
    submitted: EventSpec
    updated: EventSpec | None  # the contract's own verdict; None when it logs none
    consensus: str
    threshold: Setting | None
    late_votes: str
    refusal: str = ""


@dataclass(frozen=True)
class NotAVote:
    release: str
    contract: str
    function: str
    reason: str


NETWORK_CONSENSUS = Setting("rocketDAOProtocolSettingsNetwork", "getNodeConsensusThreshold()")
NETWORK_PENALTY = Setting("rocketDAOProtocolSettingsNetwork", "getNodePenaltyThreshold()")
SCRUB_QUORUM = Setting("rocketDAONodeTrustedSettingsMinipool", "getScrubQuorum()")
CANCEL_QUORUM = Setting("rocketDAONodeTrustedSettingsMinipool", "getCancelBondReductionQuorum()")
MEGAPOOL_PENALTY = Setting("rocketDAOProtocolSettingsMegapool", "getPenaltyThreshold()")


def _shared_duties(release: str, rewards_era: str) -> tuple[IndexedDuty, ...]:
    refusal = RPIP_61 if release == SATURN else ""
    return (
        IndexedDuty("balances", release, "RocketNetworkBalances", "rocketNetworkBalances",
                    "submitBalances(uint256,uint256,uint256,uint256,uint256)",
                    event("BalancesSubmitted", "v1.3", "balances"),
                    event("BalancesUpdated", "v1.3", "balances"),
                    THRESHOLD, NETWORK_CONSENSUS, RECORDED, refusal),
        IndexedDuty("prices", release, "RocketNetworkPrices", "rocketNetworkPrices",
                    "submitPrices(uint256,uint256,uint256)",
                    event("PricesSubmitted", "v1.3", "prices"),
                    event("PricesUpdated", "v1.3", "prices"),
                    THRESHOLD, NETWORK_CONSENSUS, RECORDED),
        IndexedDuty("rewards", release, "RocketRewardsPool", "rocketRewardsPool",
                    "submitRewardSnapshot(RewardSubmission)",
                    event("RewardSnapshotSubmitted", rewards_era, "rewards"),
                    event("RewardSnapshot", rewards_era, "rewards"),
                    THRESHOLD, NETWORK_CONSENSUS, RECORDED, PAYOUT),
        IndexedDuty("scrub", release, "RocketMinipoolDelegate", "minipool", "voteScrub()",
                    event("ScrubVoted", "v1.0", "scrub"),
                    event("MinipoolScrubbed", "v1.0", "scrub"),
                    QUORUM, SCRUB_QUORUM, REVERTS),
    )  # fmt: skip


INDEXED_DUTIES: tuple[IndexedDuty, ...] = (
    *_shared_duties(HOUSTON, "v1.1"),
    IndexedDuty("penalty", HOUSTON, "RocketNetworkPenalties", "rocketNetworkPenalties",
                "submitPenalty(address,uint256)", event("PenaltySubmitted", "v1.1", "penalty"),
                None, THRESHOLD, NETWORK_PENALTY, REVERTS),
    IndexedDuty("bond_cancel", HOUSTON, "RocketMinipoolBondReducer", "rocketMinipoolBondReducer",
                "voteCancelReduction(address)",
                event("CancelReductionVoted", "v1.2", "bond_cancel"),
                event("ReductionCancelled", "v1.2", "bond_cancel"), QUORUM, CANCEL_QUORUM, REVERTS),
    *_shared_duties(SATURN, "v1.4"),
    IndexedDuty("penalty", SATURN, "RocketNetworkPenalties", "rocketNetworkPenalties",
                "submitPenalty(address,uint256)", event("PenaltySubmitted", "v1.4", "penalty"),
                event("PenaltyApplied", "v1.4", "penalty"), THRESHOLD, NETWORK_PENALTY, REVERTS,
                PENALTY_LIMIT),
    IndexedDuty("megapool_penalty", SATURN, "RocketMegapoolPenalties", "rocketMegapoolPenalties",
                "penalise(address,uint256,uint256)",
                event("PenaltySubmitted", "v1.4", "megapool_penalty"),
                event("PenaltyApplied", "v1.4", "megapool_penalty"),
                THRESHOLD, MEGAPOOL_PENALTY, REVERTS, PENALTY_LIMIT),
)  # fmt: skip

_MEMBERSHIP = (
    ("RocketDAONodeTrustedActions", "_memberRemove", "private: the removal shared by leave, kick "
     "and a successful challenge"),
    ("RocketDAONodeTrustedActions", "actionLeave", "membership: a member leaves (ActionLeave)"),
    ("RocketDAONodeTrustedActions", "actionKick", "membership: run by an executed kick proposal "
     "(ActionKick carries the refund)"),
    ("RocketDAONodeTrustedActions", "actionChallengeMake", "membership: a challenge to a member"),
    ("RocketDAONodeTrustedActions", "actionChallengeDecide", "membership: success removes the "
     "challenged member (ActionChallengeDecided)"),
    ("RocketDAONodeTrustedProposals", "propose", "oDAO proposal"),
    ("RocketDAONodeTrustedProposals", "vote", "oDAO proposal vote"),
    ("RocketDAONodeTrustedProposals", "cancel", "oDAO proposal"),
    ("RocketDAONodeTrustedProposals", "proposalLeave", "payload of an executed proposal"),
    ("RocketDAONodeTrustedProposals", "proposalKick", "payload of an executed proposal"),
)  # fmt: skip

NOT_VOTES: tuple[NotAVote, ...] = (
    *(NotAVote(release, *row) for release in RELEASES for row in _MEMBERSHIP),
    NotAVote(SATURN, "RocketDAONodeTrustedUpgrade", "execute",
             "upgrade execution after the veto window"),
    NotAVote(SATURN, "RocketMinipoolBondReducer", "voteCancelReduction",
             "always reverts: bond reductions ended with Saturn (a call is a reverted vote)"),
    NotAVote(SATURN, "RocketMegapoolManager", "challengeExit",
             "one member's exit challenge, no count: each locked validator logs "
             "MegapoolValidatorLocked from its megapool; the same member twice in a row reverts"),
)  # fmt: skip


# Events the indexer reads besides the duties' own, by the contract that emits them.
SUPPORTING_EVENTS: tuple[tuple[str, EventSpec], ...] = (
    *(("RocketDAONodeTrustedActions", event(name, "v1.0"))
      for name in ("ActionJoined", "ActionLeave", "ActionKick", "ActionChallengeDecided")),
    ("RocketMinipoolManager", event("MinipoolCreated", "v1.0")),
)  # fmt: skip


def release_events(release: str) -> list[tuple[str, EventSpec]]:
    """(emitting contract, event layout) for every log the indexer reads from a release."""
    pairs = list(SUPPORTING_EVENTS)
    for row in INDEXED_DUTIES:
        if row.release == release:
            pairs += [(row.contract, spec) for spec in (row.submitted, row.updated) if spec]
    return pairs


def refusal_reasons(duty: str) -> tuple[str, ...]:
    """Every reason a release gives for refusing a duty's crossing vote."""
    rules = {row.refusal for row in INDEXED_DUTIES if row.duty == duty and row.refusal}
    return tuple(reason for rule in sorted(rules) for reason in REFUSAL_REASONS[rule])


def duty_rule(duty: str, release: str) -> IndexedDuty | None:
    for row in INDEXED_DUTIES:
        if row.duty == duty and row.release == release:
            return row
    return None


def release_of_event(spec: EventSpec) -> str:
    """The real release whose rules apply to a vote logged with this layout: Saturn's own
    layouts and Houston's otherwise (older layouts are replayed with Houston's rules, except
    late votes, which those releases reverted and so never logged)."""
    return SATURN if spec.era == "v1.4" else HOUSTON


def markdown_table() -> str:
    """The README's table of duties."""
    lines = ["| release | contract | function | events | consensus | late vote |",
             "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for row in INDEXED_DUTIES:
        events = row.submitted.name + (f", {row.updated.name}" if row.updated else "")
        rule = f"{row.consensus} ({row.threshold.getter.removesuffix('()')})"
        if row.refusal:
            rule += f"; {row.refusal} may refuse the crossing vote"
        lines.append(f"| {row.release} | {row.contract} | `{row.function}` | {events} | {rule} "
                     f"| {row.late_votes} |")  # fmt: skip
    for row in NOT_VOTES:
        lines.append(f"| {row.release} | {row.contract} | `{row.function}` | — | not a vote: "
                     f"{row.reason} | — |")  # fmt: skip
    return "\n".join(lines) + "\n"
