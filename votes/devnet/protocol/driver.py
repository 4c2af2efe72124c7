"""Send planned transactions to the devnet in stages, one block per stage, and report what
each did. Used for set-up (members joining before history starts), by the simulator for the
protocol's own multi-step operations, and by tests that drive the real contracts directly."""

from dataclasses import dataclass

from web3 import Web3

from votes.devnet.chain import DevnetChain
from votes.devnet.protocol.oracle_dao import PlannedTx
from votes.devnet.transactions import type2_fees

GWEI = 10**9


class StageFailed(RuntimeError):
    """A transaction of a stage reverted; names it."""


@dataclass
class SentTx:
    planned: PlannedTx
    tx_hash: str
    receipt: dict | None = None


def send(chain: DevnetChain, planned: PlannedTx) -> str:
    """Send without mining, with fees that never price a set-up step out."""
    tx = {"to": Web3.to_checksum_address(planned.to), "data": planned.data, "gas": planned.gas,
          "value": planned.value, **type2_fees(2 * chain.base_fee + GWEI, GWEI)}  # fmt: skip
    return planned.signer.send(chain.w3, tx)


def revert_reason(w3, tx_hash: str) -> str:
    """Why a mined transaction reverted: replayed as a call on the state before its block."""
    tx = w3.eth.get_transaction(tx_hash)
    call = {"to": tx["to"], "from": tx["from"], "data": tx["input"], "gas": tx["gas"],
            "value": tx["value"]}  # fmt: skip
    try:
        w3.eth.call(call, tx["blockNumber"] - 1)
    except Exception as error:  # web3 raises several types for a revert
        return str(error)[:200]
    return "no reason (it passes on the previous block's state)"


def run_stages(chain: DevnetChain, stages: list[list[PlannedTx]], timestamp: int | None = None,
               check: bool = True) -> list[SentTx]:  # fmt: skip
    """Mine each stage in a block of its own (the first at `timestamp`, if given)."""
    sent_all = []
    for position, stage in enumerate(stages):
        sent = [SentTx(planned, send(chain, planned)) for planned in stage]
        chain.mine(timestamp if position == 0 else None)
        for item in sent:
            item.receipt = chain.w3.eth.get_transaction_receipt(item.tx_hash)
            if check and item.receipt["status"] != 1:
                reason = revert_reason(chain.w3, item.tx_hash)
                raise StageFailed(f"transaction {item.tx_hash} to {item.planned.to}: {reason}")
        sent_all.extend(sent)
    return sent_all


def merge_stages(operations: list[list[list[PlannedTx]]]) -> list[list[PlannedTx]]:
    """Run several multi-stage operations side by side: stage k of each shares block k."""
    depth = max((len(stages) for stages in operations), default=0)
    return [[tx for stages in operations if k < len(stages) for tx in stages[k]]
            for k in range(depth)]  # fmt: skip
