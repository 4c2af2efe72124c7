"""What the indexer stored, as plain comparable values, and how to start again from nothing.

`db_state()` is the yardstick of the robustness tests: after a reorg, a crash or a flaky node,
the database must equal what one clean pass over the canonical chain stores. IndexedBlock is
left out on purpose: besides the blocks that carry events it records the end of every range,
so it depends on how the work was cut into ranges, not on the chain.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from django.conf import settings

from votes.chain.networks import NetworkConfig
from votes.devnet.deploy import Deployment
from votes.models import (
    Checkpoint,
    Consensus,
    ContractAddress,
    Member,
    MembershipEvent,
    Minipool,
    OnChainUpdate,
    Round,
    Submission,
    UndecodableLog,
)
from votes.reset import reset_network

NETWORK = "devnet"


def devnet_config(deployment: Deployment, rpc_url: str | None = None) -> NetworkConfig:
    """The indexer's view of a test devnet, without going through the shared devnet.json (another
    simulation opened later in the session may have overwritten it)."""
    return NetworkConfig(NETWORK, rpc_url or deployment.rpc_url, deployment.rocket_storage,
                         deployment.deploy_block)  # fmt: skip


@contextmanager
def devnet_file(deployment: Deployment) -> Iterator[None]:
    """Point `get_network("devnet")` (and so the `index` command) at this deployment, then put
    back whatever devnet.json held, which other tests of the session may rely on."""
    path = settings.TOWERWATCH_DEVNET_FILE
    saved = path.read_bytes() if path.exists() else None
    deployment.save(path)
    try:
        yield
    finally:
        if saved is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(saved)


def _json(value) -> str:
    return json.dumps(value, sort_keys=True)


def _round_id(sim_round: Round) -> tuple[str, str]:
    return (sim_round.duty, sim_round.key)


class SubmissionRow(NamedTuple):
    tx_hash: str
    log_index: int
    block_number: int
    block_hash: str
    member: str
    round: tuple[str, str]
    submission_key: str
    values: str
    event_era: str
    contract_address: str
    gas_used: int
    effective_gas_price: str
    delay_seconds: int | None
    agrees_with_consensus: bool | None
    late: bool

    @property
    def position(self) -> tuple[str, int]:
        return (self.tx_hash, self.log_index)


def _submissions(network: str) -> list[SubmissionRow]:
    rows = Submission.objects.filter(network=network).select_related("round", "member")
    return sorted(
        SubmissionRow(s.tx_hash, s.log_index, s.block_number, s.block_hash, s.member.address,
                      _round_id(s.round), s.submission_key, _json(s.values), s.event_era,
                      s.contract_address, s.gas_used, str(s.effective_gas_price),
                      s.delay_seconds, s.agrees_with_consensus, s.late)
        for s in rows
    )  # fmt: skip


def _consensus(network: str) -> list[tuple]:
    rows = Consensus.objects.filter(round__network=network).select_related(
        "round", "crossing_submission", "onchain_update"
    )
    return sorted(
        (_round_id(c.round), c.status, c.submission_key, _json(c.values),
         c.crossing_submission and c.crossing_submission.tx_hash, c.vote_count,
         c.member_count, c.block_number, c.onchain_update and c.onchain_update.tx_hash,
         c.dissent_count, c.mismatch_reason)
        for c in rows
    )  # fmt: skip


def db_state(network: str = NETWORK) -> dict[str, list[tuple]]:
    """Every table the indexer writes (but IndexedBlock), as sorted tuples without database ids."""
    return {
        "checkpoint": list(
            Checkpoint.objects.filter(network=network).values_list("block_number", "block_hash")
        ),
        "contracts": sorted(
            ContractAddress.objects.filter(network=network).values_list(
                "name", "address", "from_block", "to_block"
            )
        ),
        "members": sorted(
            Member.objects.filter(network=network).values_list(
                "address", "member_id", "url", "joined_block", "left_block"
            )
        ),
        "membership": sorted(
            MembershipEvent.objects.filter(network=network).values_list(
                "member__address", "kind", "block_number", "log_index", "tx_hash"
            )
        ),
        "minipools": sorted(
            Minipool.objects.filter(network=network).values_list("address", "created_block")
        ),
        "rounds": sorted(
            (r.duty, r.key, r.key_block, r.opened_at, r.first_seen_block)
            for r in Round.objects.filter(network=network)
        ),
        "submissions": _submissions(network),
        "updates": sorted(
            (
                u.tx_hash,
                u.log_index,
                u.block_number,
                _round_id(u.round),
                u.submission_key,
                _json(u.values),
            )
            for u in OnChainUpdate.objects.filter(network=network).select_related("round")
        ),  # fmt: skip
        "consensus": _consensus(network),
        "undecodable": sorted(
            UndecodableLog.objects.filter(network=network).values_list(
                "tx_hash", "log_index", "block_number", "error"
            )
        ),
    }


def clear_index(network: str = NETWORK) -> None:
    """Forget everything indexed for the network, as if the database were new."""
    reset_network(network)


def rows_lost(reference: dict, state: dict) -> dict[str, int]:
    """Rows of `reference` (what a clean pass stores) missing from `state`, and rows of `state`
    that the reference does not have, over every table db_state() reads."""
    missing = sum(len(set(rows) - set(state.get(table, []))) for table, rows in reference.items())
    extra = sum(len(set(rows) - set(reference.get(table, []))) for table, rows in state.items())
    return {"rows": missing, "extra_rows": extra}


def checkpoint_block(network: str = NETWORK) -> int:
    """The last block the database says is indexed (-1: none)."""
    row = Checkpoint.objects.filter(network=network).first()
    return row.block_number if row else -1


def rows_past_checkpoint(network: str = NETWORK) -> int:
    """Submissions above the checkpoint: what a half-written range would leave behind, since a
    range and its checkpoint are committed together."""
    above = Submission.objects.filter(network=network, block_number__gt=checkpoint_block(network))
    return above.count()
