"""Find members' reverted votes in a block range: they log nothing, so no log query sees them.

The method is a nonce walk per member: a member's transaction count at the range's two ends
says how many transactions it sent in between; those the range's logs already explain are
known, and each other nonce is found by searching the block where the count passed it, then
read from that block. It works on any archive node (`eth_getTransactionCount` at a block) and
costs in proportion to members' transactions, not to blocks (trace_filter needs an Erigon/Reth
trace index; block receipts cost one call per block). See bench/RESULTS.md.

The searches run together: each round sends one batch of probes for every nonce still open,
and each probe narrows every nonce of its sender. A nonce's search starts between the blocks
of its sender's neighbouring logged votes (`anchors`), which are often the same few blocks.
"""

import logging
from collections import defaultdict

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from votes.chain.calldata import decode_vote
from votes.chain.client import ChainClient, RpcError
from votes.chain.decoders import DecodedEvent
from votes.indexing.registry_view import RegistryView

log = logging.getLogger(__name__)
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PROBES_PER_ROUND = 3  # points probed in each open interval per round: log4 rounds, not log2


def unexplained_nonces(client: ChainClient, senders: list[str], known: set, from_block: int,
                       to_block: int) -> list[tuple[str, int]]:  # fmt: skip
    """(sender, nonce) of every transaction a sender mined in the range that no log explains."""
    if not senders:
        return []
    counts = client.batch_calls(
        [("eth_getTransactionCount", [a, hex(from_block - 1)]) for a in senders]
        + [("eth_getTransactionCount", [a, hex(to_block)]) for a in senders]
    )
    starts, ends = counts[: len(senders)], counts[len(senders) :]
    return [(address, nonce)
            for address, start, end in zip(senders, starts, ends, strict=True)
            for nonce in range(int(start, 16), int(end, 16))
            if (address.lower(), nonce) not in known]  # fmt: skip


def _start_bounds(address: str, nonce: int, anchors: dict, low: int, high: int):
    """[low, high] narrowed by the sender's logged transactions: nonce n was mined no earlier
    than the block of a lower nonce and no later than the block of a higher one."""
    for known_nonce, block in anchors.get(address.lower(), ()):
        if known_nonce < nonce:
            low = max(low, block)
        elif known_nonce > nonce:
            high = min(high, block)
    return low, high


def _probe_points(low: int, high: int, probes: int) -> set[int]:
    """Points splitting [low, high] in `probes` + 1 parts, each inside [low, high - 1]."""
    return {low + (high - low) * i // (probes + 1) for i in range(1, probes + 1)}


def locate_nonces(client: ChainClient, wanted: list[tuple[str, int]], anchors: dict,
                  from_block: int, to_block: int,
                  probes: int = PROBES_PER_ROUND) -> dict[tuple[str, int], int]:  # fmt: skip
    """{(sender, nonce): the first block in the range after which the sender had sent more
    than `nonce` transactions}, i.e. the block that mined it. `anchors`: {sender (lower case):
    [(nonce, block), ...]} of transactions already placed."""
    bounds = {w: _start_bounds(*w, anchors, from_block, to_block) for w in wanted}
    while open_ := {w: b for w, b in bounds.items() if b[0] < b[1]}:
        points = sorted({(address, point) for (address, _), (low, high) in open_.items()
                         for point in _probe_points(low, high, probes)})  # fmt: skip
        counts = client.batch("eth_getTransactionCount", [[a, hex(p)] for a, p in points])
        seen = defaultdict(list)
        for (address, point), count in zip(points, counts, strict=True):
            seen[address].append((point, int(count, 16)))
        for (address, nonce), (low, high) in open_.items():
            for point, count in seen[address]:
                if count > nonce:
                    high = min(high, point)
                else:
                    low = max(low, point + 1)
            bounds[(address, nonce)] = (low, high)
    return {w: low for w, (low, _) in bounds.items()}


def find_reverted_votes(client: ChainClient, view: RegistryView, senders: list[str], known: set,
                        from_block: int, to_block: int,
                        anchors: dict | None = None) -> list[tuple]:  # fmt: skip
    """(vote, transaction, receipt) for each reverted duty call a sender sent to an oDAO
    contract (any address a tracked name ever had, or a minipool) in the range."""
    wanted = unexplained_nonces(client, senders, known, from_block, to_block)
    return reverted_votes_among(client, view, wanted, anchors or {}, from_block, to_block)


def reverted_votes_among(client: ChainClient, view: RegistryView, wanted: list[tuple[str, int]],
                         anchors: dict, from_block: int, to_block: int) -> list[tuple]:  # fmt: skip
    """`find_reverted_votes` for the (sender, nonce) pairs no log explains."""
    mined_in = locate_nonces(client, wanted, anchors, from_block, to_block)
    numbers = sorted(set(mined_in.values()))
    full_blocks = client.batch("eth_getBlockByNumber", [[hex(n), True] for n in numbers])
    blocks = dict(zip(numbers, full_blocks, strict=True))
    candidates = []
    for address, nonce in wanted:
        block = blocks[mined_in[(address, nonce)]]
        tx = _transaction(block, address, nonce, mined_in[(address, nonce)])
        to = tx.get("to")
        vote = decode_vote(tx, lambda to=to: view.version_of(to), block) if to else None
        if vote is not None and _is_odao(view, vote):
            candidates.append((vote, tx))
    receipts = client.batch("eth_getTransactionReceipt", [[tx["hash"]] for _, tx in candidates])
    return [(vote, tx, receipt)
            for (vote, tx), receipt in zip(candidates, receipts, strict=True)
            if int(receipt["status"], 16) == 0]  # fmt: skip


def _transaction(block: dict | None, address: str, nonce: int, number: int) -> dict:
    """A sender's transaction with `nonce` in the block that mined it."""
    for tx in (block or {}).get("transactions", ()):
        if tx["from"].lower() == address.lower() and int(tx["nonce"], 16) == nonce:
            return tx
    raise RpcError(f"block {number} lacks nonce {nonce} of {address}", retryable=True)


def _is_odao(view: RegistryView, vote: DecodedEvent) -> bool:
    if vote.spec.duty == "scrub":
        return view.is_minipool(vote.address)
    return vote.address in view.addresses()


def revert_reasons(client: ChainClient, txs: list[dict]) -> list[str]:
    """Each contract's reason: from the node's trace of the transaction, else from replaying its
    call on the state after its block (the same answer unless a later transaction of the block
    changed what it checked). Empty when the node gives none (out of gas, no debug API). A
    node that could not be reached raises: a reason must never be a transport error."""
    traces = client.batch_calls(
        [("debug_traceTransaction", [tx["hash"], {"tracer": "callTracer"}]) for tx in txs],
        return_errors=True,
    )
    reasons, replays = {}, []
    for tx, trace in zip(txs, traces, strict=True):
        if isinstance(trace, RpcError):
            replays.append(tx)
        else:
            reasons[tx["hash"]] = trace.get("revertReason") or _error_string(trace.get("output"))
    calls = [("eth_call", [{"from": tx["from"], "to": tx["to"], "data": tx["input"],
                            "gas": tx["gas"]}, tx["blockNumber"]]) for tx in replays]  # fmt: skip
    for tx, answer in zip(replays, client.batch_calls(calls, return_errors=True), strict=True):
        reasons[tx["hash"]] = (
            str(answer).split("execution reverted", 1)[-1].lstrip(": ")[:200]
            if isinstance(answer, RpcError)
            else ""
        )
    return [reasons[tx["hash"]] for tx in txs]


def _error_string(output: str | None) -> str:
    data = bytes.fromhex((output or "0x")[2:])
    if data[:4] != ERROR_SELECTOR:
        return ""
    try:
        return abi_decode(["string"], data[4:])[0][:200]
    except (DecodingError, ValueError):
        return ""
