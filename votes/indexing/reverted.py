"""Find members' reverted votes in a block range: they log nothing, so no log query sees them.

The method is a nonce walk per member: a member's transaction count at the range's two ends
says how many transactions it sent in between; those the range's logs already explain are
known, and each other nonce is found by bisecting the block where the count passed it (about
log2(range) calls), then read from that block. On mainnet members send a handful of
transactions a day, so this costs two batched calls per member per range plus ~11 per
unexplained transaction, on any archive node (trace_filter needs an Erigon/Reth trace index;
block receipts cost one call per block). See bench/RESULTS.md.
"""

import logging

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from votes.chain.calldata import decode_vote
from votes.chain.client import ChainClient, RpcError
from votes.chain.decoders import DecodedEvent
from votes.indexing.registry_view import RegistryView

log = logging.getLogger(__name__)
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


def nonce_at(client: ChainClient, address: str, block: int) -> int:
    return int(client.call("eth_getTransactionCount", [address, hex(block)]), 16)


def block_of_nonce(client: ChainClient, address: str, nonce: int, low: int, high: int) -> int:
    """The first block in [low, high] after which `address` had sent more than `nonce` txs."""
    while low < high:
        middle = (low + high) // 2
        if nonce_at(client, address, middle) > nonce:
            high = middle
        else:
            low = middle + 1
    return low


def unexplained_nonces(client: ChainClient, senders: list[str], known: set, from_block: int,
                       to_block: int) -> list[tuple[str, int]]:  # fmt: skip
    """(sender, nonce) of every transaction a sender mined in the range that no log explains."""
    if not senders:
        return []
    starts = client.batch("eth_getTransactionCount", [[a, hex(from_block - 1)] for a in senders])
    ends = client.batch("eth_getTransactionCount", [[a, hex(to_block)] for a in senders])
    return [(address, nonce)
            for address, start, end in zip(senders, starts, ends, strict=True)
            for nonce in range(int(start, 16), int(end, 16))
            if (address.lower(), nonce) not in known]  # fmt: skip


def find_reverted_votes(client: ChainClient, view: RegistryView, senders: list[str], known: set,
                        from_block: int, to_block: int) -> list[tuple]:  # fmt: skip
    """(vote, transaction, receipt) for each reverted duty call a sender sent to an oDAO
    contract (any address a tracked name ever had, or a minipool) in the range."""
    found = []
    for address, nonce in unexplained_nonces(client, senders, known, from_block, to_block):
        tx, block = _transaction(client, address, nonce, from_block, to_block)
        to = tx.get("to")
        vote = decode_vote(tx, lambda to=to: view.version_of(to), block) if to else None
        if vote is None or not _is_odao(view, vote):
            continue
        receipt = client.call("eth_getTransactionReceipt", [tx["hash"]])
        if int(receipt["status"], 16) == 0:
            found.append((vote, tx, receipt))
    return found


def _transaction(client: ChainClient, address: str, nonce: int, low: int,
                 high: int) -> tuple[dict, dict]:  # fmt: skip
    """A sender's transaction with `nonce`, mined in [low, high], and its block."""
    number = block_of_nonce(client, address, nonce, low, high)
    block = client.call("eth_getBlockByNumber", [hex(number), True])
    for tx in block["transactions"]:
        if tx["from"].lower() == address.lower() and int(tx["nonce"], 16) == nonce:
            return tx, block
    raise RpcError(f"block {number} lacks nonce {nonce} of {address}", retryable=True)


def _is_odao(view: RegistryView, vote: DecodedEvent) -> bool:
    if vote.spec.duty == "scrub":
        return view.is_minipool(vote.address)
    return vote.address in view.addresses()


def revert_reason(client: ChainClient, tx: dict) -> str:
    """The contract's reason: from the node's trace of the transaction, else from replaying its
    call on the state after its block (the same answer unless a later transaction of the block
    changed what it checked). Empty when the node gives none (out of gas, no debug API)."""
    try:
        trace = client.call("debug_traceTransaction", [tx["hash"], {"tracer": "callTracer"}])
        return trace.get("revertReason") or _error_string(trace.get("output"))
    except RpcError as error:
        if error.retryable:
            raise
    call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "gas": tx["gas"]}
    try:
        client.call("eth_call", [call, tx["blockNumber"]])
    except RpcError as error:
        return str(error).split("execution reverted", 1)[-1].lstrip(": ")[:200]
    return ""


def _error_string(output: str | None) -> str:
    data = bytes.fromhex((output or "0x")[2:])
    if data[:4] != ERROR_SELECTOR:
        return ""
    try:
        return abi_decode(["string"], data[4:])[0][:200]
    except (DecodingError, ValueError):
        return ""
