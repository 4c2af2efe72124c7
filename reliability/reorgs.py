"""Reorgs on a real anvil, as the reorg tests and the reliability bench inject them: blocks
replaced by empty ones, the same transactions moved into other blocks, a shorter chain, and a
reorg between the calls that read one range. Each returns how much it changed, counted on the
chain, so that a report says what was done rather than what was meant.

After any of them the database must equal a clean index of the canonical chain, and every
block it remembers must carry the canonical hash (`stale_blocks`).
"""

from reliability.faulty_node import FaultyNode
from votes.models import IndexedBlock, Submission


def head(chain) -> int:
    return chain.w3.eth.block_number


def canonical_hash(chain, number: int) -> str:
    return chain.w3.eth.get_block(number)["hash"].to_0x_hex()


def vote_blocks() -> list[int]:
    """The blocks of the indexed votes, one entry per vote, in chain order."""
    return list(Submission.objects.order_by("block_number").values_list("block_number", flat=True))


def transactions_after(chain, fork: int) -> list[str]:
    """Every transaction in the blocks above `fork`, as raw signed bytes, in chain order."""
    raw = []
    for number in range(fork + 1, head(chain) + 1):
        for tx_hash in chain.w3.eth.get_block(number)["transactions"]:
            raw.append(chain.rpc("eth_getRawTransactionByHash", [tx_hash.to_0x_hex()]))
    return raw


def drop_blocks_after(chain, fork: int) -> int:
    """Replace the blocks above `fork` by as many empty ones; how many were replaced."""
    depth = head(chain) - fork
    chain.rpc("anvil_reorg", [depth, []])
    return depth


def move_transactions_after(chain, fork: int) -> int:
    """Replace the blocks above `fork` by blocks that hold the same transactions, three to a
    block from fork + 1 on, so that each lands in another block; how many moved."""
    depth = head(chain) - fork
    moved = [[raw, min(i // 3, depth - 1)] for i, raw in enumerate(transactions_after(chain, fork))]
    chain.rpc("anvil_reorg", [depth, moved])
    return len(moved)


def roll_back_to(chain, block: int) -> int:
    """Shorten the chain so that `block` is its head; how many blocks went."""
    removed = head(chain) - block
    chain.rpc("anvil_rollback", [removed])
    return removed


def reorg_after_next_log_read(node: FaultyNode, chain, fork: int) -> list[int]:
    """Arm `node`: right after it forwards the next eth_getLogs, the blocks above `fork` are
    replaced (the chain moves between the calls that read one range). The returned list gets
    the depth of the reorg once it has happened."""
    happened: list[int] = []

    def reorg_once(method: str) -> None:
        if method == "eth_getLogs" and not happened:
            happened.append(drop_blocks_after(chain, fork))

    node.after_forward = reorg_once
    return happened


def stale_blocks(chain, network: str = "devnet") -> list[int]:
    """Indexed blocks that are not on the canonical chain: another hash, or past its head."""
    top = head(chain)
    return [
        block.number
        for block in IndexedBlock.objects.filter(network=network).order_by("number")
        if block.number > top or block.hash != canonical_hash(chain, block.number)
    ]
