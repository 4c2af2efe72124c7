"""Forget everything indexed for a network (the demo starts a brand-new devnet each time)."""

from django.db import transaction

from votes import state
from votes.models import (
    Checkpoint,
    ContractAddress,
    IndexedBlock,
    Member,
    MembershipEvent,
    Minipool,
    Round,
    Submission,
    UndecodableLog,
)


@transaction.atomic
def reset_network(network: str) -> None:
    Round.objects.filter(network=network).delete()  # cascades to submissions, consensus, verdicts
    Submission.objects.filter(network=network).delete()
    MembershipEvent.objects.filter(network=network).delete()
    for model in (Checkpoint, ContractAddress, IndexedBlock, Minipool, UndecodableLog):
        model.objects.filter(network=network).delete()
    Member.objects.filter(network=network).delete()
    # the deletes cascade to verdicts, declarations and assignments
    state.bump(state.CHAIN, state.REFERENCE, state.DECLARATIONS, state.FINGERPRINT)
