"""Finding reverted oDAO votes (they log nothing): three methods timed on the real-protocol
devnet over one mainnet day's worth of blocks, and their cost on mainnet.

A range of 500 blocks (mainnet mines 7,200 a day; the indexer reads 2,000 at a time) holds a
balances and a prices round of 15 members under Saturn, where RPIP-61 makes the crossing
balances vote and those after it revert. Each method must find those eight:
- `trace_filter` by destination (one call per range; needs a node with a trace index),
- `eth_getBlockReceipts` for every block (one call per block, any recent node),
- a nonce walk per member (votes/indexing/reverted.py: two batched calls per range plus a
  bisection per transaction no log explains; any archive node).

Run: `python -m bench.bench_reverted` (prints JSON).
"""

import json
import time

from votes.chain.client import ChainClient
from votes.indexing.registry_view import RegistryView
from votes.indexing.reverted import find_reverted_votes

ETHER = 10**18
BLOCKS = 500


def history(rocketpool) -> tuple[int, int]:
    """Saturn, one balances update, then a day whose crossing balances votes revert; returns
    the block range of that day."""
    from votes.devnet.protocol.oracle_dao import call

    system, members = rocketpool.system, rocketpool.members
    rocketpool.upgrade_to_saturn()

    def balances(voters, total):
        block = rocketpool.chain.w3.eth.get_block("latest")
        values = (block["number"], block["timestamp"], total, 900 * ETHER, 1000 * ETHER)
        return [call(system, m.signer, "rocketNetworkBalances", "submitBalances", *values)
                for m in voters]  # fmt: skip

    rocketpool.run(balances(members[:8], 1000 * ETHER))
    start = rocketpool.chain.w3.eth.block_number + 1
    mine_empty(rocketpool, BLOCKS // 2)
    rocketpool.run(balances(members, 1001 * ETHER), check=False)
    block = rocketpool.chain.w3.eth.get_block("latest")
    rocketpool.run([call(system, m.signer, "rocketNetworkPrices", "submitPrices", block["number"],
                         block["timestamp"], ETHER // 100) for m in members])  # fmt: skip
    mine_empty(rocketpool, BLOCKS - BLOCKS // 2 - 2)
    return start, rocketpool.chain.w3.eth.block_number


def mine_empty(rocketpool, count: int) -> None:
    for _ in range(count):
        rocketpool.chain.mine()


def timed(method, *args) -> dict:
    started = time.perf_counter()
    calls, found = method(*args)
    return {"seconds": round(time.perf_counter() - started, 2), "calls": calls, "found": found}


TRACE_FILTER_MAX_RANGE = 300  # anvil refuses larger ranges


def by_trace_filter(client, targets, low, high):
    calls, reverted = 0, set()
    for start in range(low, high + 1, TRACE_FILTER_MAX_RANGE):
        end = min(high, start + TRACE_FILTER_MAX_RANGE - 1)
        traces = client.call("trace_filter", [{"fromBlock": hex(start), "toBlock": hex(end),
                                               "toAddress": targets}])  # fmt: skip
        calls += 1
        reverted |= {t["transactionHash"] for t in traces
                     if t.get("error") and not t["traceAddress"]}  # fmt: skip
    return calls, len(reverted)


def by_block_receipts(client, targets, low, high):
    lowered, reverted = {t.lower() for t in targets}, 0
    numbers = [[hex(n)] for n in range(low, high + 1)]
    for receipts in client.batch("eth_getBlockReceipts", numbers):
        reverted += sum(1 for r in receipts
                        if (r.get("to") or "").lower() in lowered
                        and r["status"] == "0x0")  # fmt: skip
    return len(numbers), reverted


def logged_votes(client, targets, low, high) -> set:
    """(sender, nonce) of the range's logged votes: what the indexer already read from logs."""
    logs = client.get_logs(low, high, targets, [])
    txs = client.batch(
        "eth_getTransactionByHash", [[h] for h in {g["transactionHash"] for g in logs}]
    )
    return {(tx["from"].lower(), int(tx["nonce"], 16)) for tx in txs}


def by_nonce_walk(client, view, members, known, low, high):
    before = client.http_requests
    found = find_reverted_votes(client, view, members, known, low, high)
    return client.http_requests - before, len(found)


def measure() -> dict:
    from votes.chain.registry import Era
    from votes.devnet.protocol.fixture import open_rocketpool_devnet

    with open_rocketpool_devnet(members=15) as rocketpool:
        low, high = history(rocketpool)
        client = ChainClient(rocketpool.deployment.rpc_url)
        targets = [rocketpool.system.address("rocketNetworkBalances"),
                   rocketpool.system.address("rocketNetworkPrices")]  # fmt: skip
        eras = [Era(n, a, 0, None) for n, a in zip(("balances", "prices"), targets, strict=True)]
        for era in eras:
            era.version = None
        view = RegistryView(client, eras)
        members = [m.address for m in rocketpool.members]
        known = logged_votes(client, targets, low, high)
        return {
            "blocks": high - low + 1,
            "trace_filter": timed(by_trace_filter, client, targets, low, high),
            "block_receipts": timed(by_block_receipts, client, targets, low, high),
            "logged_votes": len(known),
            "nonce_walk": timed(by_nonce_walk, client, view, members, known, low, high),
        }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(measure(), indent=2))
