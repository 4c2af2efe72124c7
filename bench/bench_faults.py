"""Fault scenarios of the reliability table: a misbehaving node in front of the indexer, and
forged declarations. Counts come from the fault machinery itself (reliability/faulty_node.py
records every answer it gave) and from the database compared with a clean pass
(reliability/indexer_state.py), never from what the scenario meant to do.
"""

import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from eth_account import Account
from eth_account.messages import encode_defunct

from diversity.fingerprint.declarations import Claim, declaration_text, record_declaration
from diversity.models import Declaration, DeclarationRejection
from reliability.faulty_node import FaultyNode
from reliability.indexer_state import db_state, devnet_config, rows_lost
from reliability.scenario import Scenario
from votes.chain.client import ChainClient, RpcError
from votes.indexing.indexer import Indexer
from votes.models import Member, MembershipEvent
from votes.reset import reset_network

MAX_RANGE = 200  # blocks per eth_getLogs: several ranges even on a short history
UNSIGNED = "0x" + "00" * 65
GONE_AFTER = 25  # forwarded requests before the node disappears mid-pass


def forge_declarations(rounds: int = 10) -> Scenario:
    """One genuine declaration, then forgeries of five kinds against it, `rounds` times each."""
    network = settings.TOWERWATCH_NETWORK
    member, impostor = Account.create(), Account.create()
    joined = datetime.now(UTC) - timedelta(days=2)
    row = Member.objects.create(network=network, address=member.address, member_id="bench",
                                joined_at=joined, joined_block=1)  # fmt: skip
    MembershipEvent.objects.create(network=network, member=row, kind="joined", block_number=1,
                                   log_index=0, tx_hash="0x" + "b" * 64,
                                   timestamp=joined)  # fmt: skip
    now = int(time.time()) - 60
    genuine = signed_claim(network, member.address, now, 1, member)
    record_declaration(network, *genuine)
    refusals_before = DeclarationRejection.objects.count()
    scenario = Scenario("forged, replayed, foreign-network, non-member and unsigned declarations")
    for n in range(rounds):
        forgeries = [
            signed_claim(network, member.address, now + n + 1, n + 2, impostor),
            genuine,
            signed_claim(
                "mainnet" if network != "mainnet" else "devnet",
                member.address,
                now + n + 1,
                n + 2,
                member,
            ),  # fmt: skip
            signed_claim(network, impostor.address, now + n + 1, n + 2, impostor),
            (
                signed_claim(network, member.address, now + n + 1, n + 2, member)[0],
                "0x" + "00" * 65,
            ),
        ]
        for message, signature in forgeries:
            scenario.times += 1
            try:
                record_declaration(network, message, signature)
            except Exception:  # refused: the expected outcome
                continue
    refusals = DeclarationRejection.objects.count() - refusals_before
    scenario.lost = {"accepted_forgeries": Declaration.objects.filter(member=row).count() - 1,
                     "unrecorded_refusals": scenario.times - refusals}  # fmt: skip
    return scenario


def signed_claim(network: str, address: str, timestamp: int, nonce: int, key) -> tuple[str, str]:
    claim = Claim(network, address, "smartnode", "", "treegen-rs", "", timestamp, nonce)
    message = declaration_text(claim)
    signature = Account.sign_message(encode_defunct(text=message), key.key).signature.hex()
    return message, "0x" + signature.removeprefix("0x")


def node_fault_scenarios(deployment, head: int, reference: dict) -> dict[str, Scenario]:
    """The devnet's history indexed through each fault in turn; rows lost or added are the
    difference from `reference`, a clean pass to `head`."""
    results = {}
    for name, (injected, inject, count) in FAULTS.items():
        reset_network("devnet")
        with FaultyNode(deployment.rpc_url) as node:
            inject(node)
            index_through(node, deployment, head)
            results[name] = Scenario(injected, count(node), rows_lost(reference, db_state()))
    return results


def index_through(node: FaultyNode, deployment, head: int) -> None:
    """Index through the faulty node; if it goes away for good, finish from the real node, as
    the next beat would."""
    client = ChainClient(node.url, timeout=1.0, max_attempts=6, backoff=0.01, max_backoff=0.05)
    config = devnet_config(deployment, node.url)
    try:
        Indexer(config, client=client, confirmations=0, max_range=MAX_RANGE).run_pass(to_block=head)
    except RpcError:
        Indexer(devnet_config(deployment), confirmations=0).run_pass(to_block=head)


def gone_after(node: FaultyNode, requests: int) -> None:
    def count(method: str) -> None:
        if len(node.served) >= requests:
            node.gone = True

    node.after_forward = count


def statuses(node: FaultyNode, *wanted) -> int:
    return sum(1 for _, status in node.served if status in wanted)


FAULTS = {
    "node: eth_getLogs range errors": (
        "eth_getLogs ranges over 20 blocks refused with -32005",
        lambda node: setattr(node, "max_log_range", 20),
        lambda node: len(node.refused_ranges),
    ),
    "node: 429 with Retry-After": (
        "HTTP 429 answers with Retry-After: 0",
        lambda node: node.fail_next(4, status=429, retry_after="0"),
        lambda node: statuses(node, 429),
    ),
    "node: 5xx": (
        "HTTP 502/503 answers",
        lambda node: (node.fail_next(2, status=502), node.fail_next(3, status=503)),
        lambda node: statuses(node, 502, 503),
    ),
    "node: stalled requests": (
        "requests held past the client's 1 s timeout",
        lambda node: node.fail_next(2, stall_seconds=1.5),
        lambda node: statuses(node, "stalled"),
    ),
    "node gone": (
        f"the node disappears after {GONE_AFTER} requests, mid-pass",
        lambda node: gone_after(node, GONE_AFTER),
        lambda node: int(node.gone),
    ),
}
