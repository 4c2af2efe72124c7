"""Reorgs of the reliability table, injected on the devnet with reliability/reorgs.py, as the
reorg tests do. The yardstick after each is the ground truth of the rewritten chain: a clean
index of it from nothing. Lost = its rows the incremental index lacks, extra = rows it has that
the clean one does not, stale = remembered blocks no longer canonical. What was injected (depth,
votes affected) is read from the chain and the database, not assumed.

They rewrite the chain, so they run last, each on what the one before left.
"""

from collections.abc import Callable
from dataclasses import dataclass

from reliability import reorgs
from reliability.faulty_node import FaultyNode
from reliability.indexer_state import clear_index, db_state, devnet_config, rows_lost
from reliability.scenario import Run, Scenario
from votes.chain.client import ChainClient, RpcError
from votes.indexing.indexer import Indexer
from votes.models import MembershipEvent, Submission

CONFIRMATIONS = 3  # for the deep reorg: the fork is deeper than this below the checkpoint


def reorg_runs(chain, deployment) -> dict[str, Run]:
    return {
        "reorg: blocks dropped": lambda: blocks_dropped(chain, deployment),
        "reorg: votes moved to other blocks": lambda: votes_moved(chain, deployment),
        "reorg: during a range's read": lambda: during_a_read(chain, deployment),
        "reorg: shorter chain": lambda: shorter_chain(chain, deployment),
    }


def index(deployment, confirmations: int = 0, **options) -> None:
    Indexer(devnet_config(deployment), confirmations=confirmations).run_pass(**options)


def differences_from_a_clean_index(chain, deployment, confirmations: int = 0) -> dict[str, int]:
    after, stale = db_state(), len(reorgs.stale_blocks(chain))
    clear_index()
    index(deployment, confirmations)
    return {**rows_lost(db_state(), after), "stale_blocks": stale}


def votes_above(block: int) -> int:
    return Submission.objects.filter(network="devnet", block_number__gt=block).count()


@dataclass
class Reorg:
    fork: int
    votes: int  # indexed votes above the fork before the rewrite
    size: int  # what the rewrite reports: blocks replaced or removed, transactions moved
    lost: dict[str, int]


def reorg(chain, deployment, fork_at: Callable[[], int], rewrite: Callable[[object, int], int],
          confirmations: int = 0) -> Reorg:  # fmt: skip
    """Index, rewrite the chain above the fork, index again, and judge the result."""
    index(deployment, confirmations)
    fork = fork_at()
    votes = votes_above(fork)
    size = rewrite(chain, fork)
    index(deployment, confirmations)
    lost = differences_from_a_clean_index(chain, deployment, confirmations)
    return Reorg(fork, votes, size, lost)


def blocks_dropped(chain, deployment) -> Scenario:
    done = reorg(chain, deployment, lambda: reorgs.vote_blocks()[-20] - 1,
                 reorgs.drop_blocks_after, CONFIRMATIONS)  # fmt: skip
    return Scenario(
        f"{done.size} blocks replaced by empty ones, {done.votes} indexed votes among them "
        f"({CONFIRMATIONS} confirmations)",
        1,
        done.lost,
    )


def votes_moved(chain, deployment) -> Scenario:
    done = reorg(chain, deployment, lambda: reorgs.vote_blocks()[-25] - 1,
                 reorgs.move_transactions_after)  # fmt: skip
    return Scenario(
        f"{done.size} transactions, {done.votes} indexed votes among them, replayed into other "
        f"blocks ({votes_above(done.fork)} votes above the fork afterwards)",
        1,
        done.lost,
    )


def during_a_read(chain, deployment) -> Scenario:
    """The chain drops blocks between the calls that read one range (logs, then blocks)."""
    index(deployment)
    votes_at = sorted(set(reorgs.vote_blocks()))
    clear_index()
    first_pass_end, fork = votes_at[-30], votes_at[-10] - 1
    index(deployment, to_block=first_pass_end)
    with FaultyNode(deployment.rpc_url) as node:
        happened = reorgs.reorg_after_next_log_read(node, chain, fork)
        client = ChainClient(node.url, timeout=5, max_attempts=2, backoff=0.01)
        config = devnet_config(deployment, node.url)
        try:
            Indexer(config, client=client, confirmations=0).run_pass()
            refused = False
        except RpcError:  # "the chain moved while blocks were read": stop, store nothing
            refused = True
    stored_from_the_moved_range = votes_above(first_pass_end) if refused else 0
    if refused:
        index(deployment)  # the next pass, as the next beat would run it
    lost = differences_from_a_clean_index(chain, deployment)
    return Scenario(
        f"{sum(happened)} blocks replaced between the eth_getLogs and the block reads of one range",
        len(happened),
        {**lost, "rows_stored_from_the_moved_range": stored_from_the_moved_range},
    )


def shorter_chain(chain, deployment) -> Scenario:
    """Rolled back below the last membership change, which must be undone."""

    def below_the_last_membership_change() -> int:
        changes = MembershipEvent.objects.filter(network="devnet").order_by("block_number")
        return changes.last().block_number - 1

    done = reorg(chain, deployment, below_the_last_membership_change, reorgs.roll_back_to)
    return Scenario(
        f"the chain {done.size} blocks shorter, below the last membership change "
        f"({done.votes} indexed votes gone)",
        1,
        done.lost,
    )
