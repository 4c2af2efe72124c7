"""Reorgs: find where our stored chain leaves the canonical one, and cut back to that point.

Everything the indexer stores carries its block number, so rolling back is deleting rows
above the fork point and moving the checkpoint, in one transaction.
"""

import logging

from django.db import transaction

from votes.chain.client import ChainClient
from votes.consensus import EXITS
from votes.models import (
    Checkpoint,
    ContractAddress,
    IndexedBlock,
    Member,
    MembershipEvent,
    Minipool,
    OnChainUpdate,
    Round,
    Submission,
    UndecodableLog,
)

log = logging.getLogger(__name__)


def find_fork_point(client: ChainClient, network: str, checkpoint: Checkpoint, floor: int):
    """None if the checkpoint is still canonical, else the highest stored block that is
    (or `floor`, the block before indexing started, when none is)."""
    if _canonical_hash(client, checkpoint.block_number) == checkpoint.block_hash:
        return None
    stored = IndexedBlock.objects.filter(network=network, number__lt=checkpoint.block_number)
    for block in stored.order_by("-number").iterator():
        if _canonical_hash(client, block.number) == block.hash:
            return block.number
    return floor


def _canonical_hash(client: ChainClient, number: int) -> str | None:
    """The node's hash at `number`, or None when the new chain is shorter than that."""
    block = client.call("eth_getBlockByNumber", [hex(number), False])
    return block["hash"] if block else None


@transaction.atomic
def roll_back(network: str, fork_point: int, fork_hash: str) -> None:
    """Forget everything above `fork_point`; the next pass re-reads it from the canonical chain."""
    log.warning("reorg on %s: rolling back to block %d", network, fork_point)
    above = {"network": network, "block_number__gt": fork_point}
    OnChainUpdate.objects.filter(**above).delete()
    Submission.objects.filter(**above).delete()
    MembershipEvent.objects.filter(**above).delete()
    UndecodableLog.objects.filter(**above).delete()
    Minipool.objects.filter(network=network, created_block__gt=fork_point).delete()
    Round.objects.filter(network=network, first_seen_block__gt=fork_point).delete()
    IndexedBlock.objects.filter(network=network, number__gt=fork_point).delete()
    ContractAddress.objects.filter(network=network, from_block__gt=fork_point).delete()
    ContractAddress.objects.filter(network=network, to_block__gte=fork_point).update(to_block=None)
    _restore_members(network, fork_point)
    Checkpoint.objects.filter(network=network).update(block_number=fork_point, block_hash=fork_hash)


def _restore_members(network: str, fork_point: int) -> None:
    """Members' joined/left fields as they were at the fork point."""
    for member in Member.objects.filter(network=network):
        events = list(member.events.order_by("block_number", "log_index"))
        if not events and not member.submissions.exists():
            member.delete()
            continue
        joins = [e for e in events if e.kind in ("joined", "snapshot")]
        exits = [e for e in events if e.kind in EXITS]
        member.joined_block = joins[-1].block_number if joins else None
        member.joined_at = joins[-1].timestamp if joins else None
        last_exit = exits[-1] if exits and (not joins or exits[-1].pk > joins[-1].pk) else None
        member.left_block = last_exit.block_number if last_exit else None
        member.left_at = last_exit.timestamp if last_exit else None
        member.save()
