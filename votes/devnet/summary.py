"""The simulator's report: counts for people, and the full ground truth for tests and tools."""

import hashlib
from collections import Counter

from votes.devnet.deploy import Deployment
from votes.devnet.simulator import SimulationResult


def ground_truth(result: SimulationResult, deployment: Deployment) -> dict:
    """Everything a later check needs: members with their software history, every vote sent."""
    successful = [vote for vote in result.votes if vote.status == 1]
    tx_hashes: dict[str, list[str]] = {}
    for vote in successful:
        tx_hashes.setdefault(vote.duty, []).append(vote.tx_hash)
    return {
        "seed": result.seed,
        "days": result.days,
        "started_at": result.started_at,
        "rpc_url": deployment.rpc_url,
        "rocket_storage": deployment.rocket_storage,
        "protocol": protocol_history(result, deployment),
        "members": [
            {
                "index": m.index,
                "address": m.address,
                "id": m.member_id,
                "watchtower": m.watchtower,
                "treegen": m.treegen,
                "history": m.history,
                "joined_at": m.joined_at,
                "left_at": m.left_at,
            }
            for m in result.members
        ],
        "rounds": dict(Counter(r.duty for r in result.rounds)),
        "actions": dict(result.actions),
        "submissions": dict(Counter(vote.duty for vote in successful)),
        "late_votes": sum(1 for vote in successful if vote.late),
        "reverted": sum(1 for vote in result.votes if vote.status != 1),
        "tx_hashes": tx_hashes,
        "votes": [vars(vote) for vote in result.votes],
        "elapsed_seconds": round(result.elapsed_seconds, 2),
    }


def protocol_history(result: SimulationResult, deployment: Deployment) -> dict:
    """Which contracts ran: the real releases and the block of the Saturn upgrade, if any."""
    if not deployment.is_rocketpool:
        return {"contracts": "imitation"}
    return {"contracts": "rocketpool", "releases": ["v1.3.1", "v1.4"] if result.saturn_block
            else ["v1.3.1"], "saturn_upgrade_block": result.saturn_block}  # fmt: skip


def printable_summary(truth: dict) -> dict:
    """The ground truth without the long lists, plus a digest that pins every transaction."""
    digest = hashlib.sha256()
    for duty in sorted(truth["tx_hashes"]):
        digest.update("".join(truth["tx_hashes"][duty]).encode())
    summary = {k: v for k, v in truth.items() if k not in ("tx_hashes", "votes")}
    summary["members"] = [{k: m[k] for k in ("address", "id", "watchtower", "treegen", "joined_at",
                                              "left_at")} for m in truth["members"]]  # fmt: skip
    summary["transactions_sha256"] = digest.hexdigest()
    return summary
