"""Read one block range from the node: decoded oDAO events, their transactions, their blocks.

No database here: the result is a RangeBatch of plain values that store.py writes in one
transaction. Logs that fail to decode, or come from an address outside its registered era,
are returned as bad logs with the reason, never dropped.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from votes.chain.client import ChainClient, LogRangeWalker, RpcError, encode_call
from votes.chain.decoders import DecodedEvent, LogDecodeError, decode_log
from votes.chain.events import EVENTS, MINIPOOL_EVENTS
from votes.indexing.registry_view import RegistryView
from votes.indexing.reverted import revert_reasons, reverted_votes_among, unexplained_nonces


@dataclass(frozen=True)
class BlockInfo:
    number: int
    hash: str
    timestamp: int
    base_fee: int | None


@dataclass(frozen=True)
class TxInfo:
    tx_hash: str
    sender: str
    tx_type: int
    nonce: int
    gas_limit: int
    gas_used: int
    max_fee: int | None
    priority_fee: int | None
    gas_price: int | None
    effective_gas_price: int
    calldata_size: int
    status: int


@dataclass
class RangeBatch:
    from_block: int
    to_block: int
    events: list[DecodedEvent] = field(default_factory=list)
    bad_logs: list[tuple[dict, str]] = field(default_factory=list)
    txs: dict[str, TxInfo] = field(default_factory=dict)
    blocks: dict[int, BlockInfo] = field(default_factory=dict)
    member_info: dict[str, tuple[str, str]] = field(default_factory=dict)
    reverted: list[DecodedEvent] = field(default_factory=list)  # votes read from calldata
    revert_reasons: dict[str, str] = field(default_factory=dict)
    unexplained_txs: int = 0  # members' transactions no log explains, looked for by nonce
    last_hash_before: str = ""  # the last block's hash, read before anything else


TX_PARALLEL = 2  # transaction batches in flight: a node answers them on several cores


def _int(value) -> int | None:
    return None if value is None else int(value, 16)


def tx_info(tx: dict, receipt: dict) -> TxInfo:
    data = tx.get("input") or tx.get("data") or "0x"
    return TxInfo(
        tx_hash=tx["hash"],
        sender=tx["from"],
        tx_type=_int(tx.get("type")) or 0,
        nonce=_int(tx["nonce"]),
        gas_limit=_int(tx["gas"]),
        gas_used=_int(receipt["gasUsed"]),
        max_fee=_int(tx.get("maxFeePerGas")),
        priority_fee=_int(tx.get("maxPriorityFeePerGas")),
        gas_price=_int(tx.get("gasPrice")) if _int(tx.get("type")) in (None, 0, 1) else None,
        effective_gas_price=_int(receipt.get("effectiveGasPrice") or tx.get("gasPrice")),
        calldata_size=(len(data) - 2) // 2,
        status=_int(receipt.get("status")) or 0,
    )


def block_info(block: dict) -> BlockInfo:
    return BlockInfo(_int(block["number"]), block["hash"], _int(block["timestamp"]),
                     _int(block.get("baseFeePerGas")))  # fmt: skip


def read_votes(client: ChainClient, walker: LogRangeWalker, view: RegistryView,
               from_block: int, to_block: int) -> RangeBatch:  # fmt: skip
    """The first half of a range: the last block's hash, then the logs, decoded, and the
    transactions and receipts of the votes. It needs nothing from the database, so the indexer
    reads a range this far while it writes the one before."""
    batch = RangeBatch(from_block, to_block)
    batch.last_hash_before = client.get_block(to_block)["hash"]
    contract_topics = [["0x" + s.topic0.hex() for s in EVENTS if s not in MINIPOOL_EVENTS]]
    minipool_topics = [["0x" + s.topic0.hex() for s in MINIPOOL_EVENTS]]
    registered, from_minipools = walker.fetch_all(
        from_block, to_block, [(view.addresses(), contract_topics), (None, minipool_topics)]
    )
    for raw, is_minipool in [(r, False) for r in registered] + [(r, True) for r in from_minipools]:
        _decode_into(batch, raw, view, is_minipool)
    batch.events.sort(key=lambda event: event.position)
    _fetch_transactions(client, batch)
    return batch


def complete_range(client: ChainClient, batch: RangeBatch, view: RegistryView,
                   members: tuple[str, ...]) -> RangeBatch:  # fmt: skip
    """The second half: the reverted votes of who was a member at the range's start (known once
    the range before is stored), the blocks, the check that everything read since the last
    block's hash comes from one chain, and the ID and URL of members who joined."""
    _fetch_reverted_votes(client, batch, view, members)
    _fetch_blocks(client, batch)
    _check_one_chain(batch, batch.last_hash_before)
    _fetch_member_info(client, batch, view.current("rocketDAONodeTrusted"))
    return batch


def _chain_moved(batch: RangeBatch, what: str) -> RpcError:
    return RpcError(f"the chain moved while blocks {batch.from_block}-{batch.to_block} were read "
                    f"({what}); they are read again next pass", retryable=True)  # fmt: skip


def _check_one_chain(batch: RangeBatch, last_hash_before: str) -> None:
    """Logs, transactions and blocks come from separate calls: a reorg between them would mix
    two chains in one batch, and the checkpoint (the last block's hash, read after the logs)
    could not tell afterwards. Any reorg inside the range changes the last block's hash."""
    if batch.blocks[batch.to_block].hash != last_hash_before:
        raise _chain_moved(batch, f"block {batch.to_block} changed hash")
    for event in batch.events + batch.reverted:
        if batch.blocks[event.block_number].hash != event.block_hash:
            raise _chain_moved(batch, f"block {event.block_number} changed hash")


def _decode_into(batch: RangeBatch, raw: dict, view: RegistryView, is_minipool: bool) -> None:
    try:
        event = decode_log(raw, lambda: view.version_of(raw.get("address", "")))
        if is_minipool and not view.is_minipool(event.address):
            raise LogDecodeError(f"{event.spec.name} from {event.address}, which is no minipool")
        if not is_minipool and not view.live_at(event.address, event.block_number):
            raise LogDecodeError(f"{event.spec.name} from {event.address} outside its era")
    except LogDecodeError as error:
        batch.bad_logs.append((raw, str(error)))
        return
    batch.events.append(event)


def _fetch_transactions(client: ChainClient, batch: RangeBatch) -> None:
    hashes = sorted({e.tx_hash for e in batch.events if e.spec.kind == "submitted"})
    if not hashes:
        return
    txs = client.batch("eth_getTransactionByHash", [[h] for h in hashes], parallel=TX_PARALLEL)
    receipts = client.batch("eth_getTransactionReceipt", [[h] for h in hashes])
    for tx_hash, tx, receipt in zip(hashes, txs, receipts, strict=True):
        if tx is None or receipt is None:
            raise _chain_moved(batch, f"transaction {tx_hash} is gone")
        batch.txs[tx_hash] = tx_info(tx, receipt)


def _fetch_reverted_votes(client: ChainClient, batch: RangeBatch, view: RegistryView,
                          members: tuple[str, ...]) -> None:  # fmt: skip
    joined = [e.values["node"] for e in batch.events if e.spec.kind == "joined"]
    senders = sorted(set(members) | set(joined))
    known = {(tx.sender.lower(), tx.nonce) for tx in batch.txs.values()}
    wanted = unexplained_nonces(client, senders, known, batch.from_block, batch.to_block)
    batch.unexplained_txs = len(wanted)
    found = reverted_votes_among(client, view, wanted, _anchors(batch), batch.from_block,
                                 batch.to_block)  # fmt: skip
    reasons = revert_reasons(client, [tx for _, tx, _ in found])
    for (vote, tx, receipt), reason in zip(found, reasons, strict=True):
        batch.reverted.append(vote)
        batch.txs[vote.tx_hash] = tx_info(tx, receipt)
        batch.revert_reasons[vote.tx_hash] = reason


def _anchors(batch: RangeBatch) -> dict[str, list[tuple[int, int]]]:
    """{sender (lower case): [(nonce, block)]} of the logged votes: where the nonce walk need
    not search."""
    blocks = {e.tx_hash: e.block_number for e in batch.events}
    anchors = defaultdict(list)
    for tx in batch.txs.values():
        anchors[tx.sender.lower()].append((tx.nonce, blocks[tx.tx_hash]))
    return anchors


def _fetch_blocks(client: ChainClient, batch: RangeBatch) -> None:
    numbers = {e.block_number for e in batch.events + batch.reverted} | {batch.to_block}
    for event in batch.events + batch.reverted:
        if "block" in event.values and event.spec.kind == "submitted":
            numbers.add(int(event.values["block"]))
        if event.spec.duty == "rewards":
            numbers.add(int(event.values["submission"]["execution_block"]))
    numbers = sorted(n for n in numbers if n <= batch.to_block)
    blocks = client.batch("eth_getBlockByNumber", [[hex(n), False] for n in numbers])
    for number, block in zip(numbers, blocks, strict=True):
        if block is None:
            raise _chain_moved(batch, f"block {number} is gone")
        info = block_info(block)
        batch.blocks[info.number] = info


def _fetch_member_info(client: ChainClient, batch: RangeBatch, dao: str | None) -> None:
    """ID and URL of each member that joined in this range, as the DAO contract had them."""
    joined = [e for e in batch.events if e.spec.kind == "joined"]
    if not joined or dao is None:
        return
    calls = []
    for event in joined:
        for getter in ("getMemberID(address)", "getMemberUrl(address)"):
            data = encode_call(getter, [event.values["node"]])
            calls.append([{"to": dao, "data": data}, hex(event.block_number)])
    answers = client.batch("eth_call", calls)
    for position, event in enumerate(joined):
        texts = [_text(answers[2 * position]), _text(answers[2 * position + 1])]
        batch.member_info[event.values["node"]] = (texts[0], texts[1])


def _text(raw: str | None) -> str:
    try:
        return abi_decode(["string"], bytes.fromhex((raw or "0x")[2:]))[0][:500]
    except (ValueError, TypeError, DecodingError):
        return ""
