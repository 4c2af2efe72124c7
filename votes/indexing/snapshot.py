"""Members already in the oDAO where indexing starts: read from state, kept as 'snapshot' events.

Indexing from a later block than the deployment (`index --from-block N`) never sees the earlier
ActionJoined logs, so without this the member count at every round would start from zero.
"""

from datetime import UTC, datetime

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from votes.chain.client import ChainClient
from votes.chain.registry import ZERO, address_at
from votes.models import Member, MembershipEvent


def _call(client: ChainClient, to: str, signature: str, block: int, args=(), types=()) -> bytes:
    data = function_signature_to_4byte_selector(signature) + abi_encode(list(types), list(args))
    raw = client.call("eth_call", [{"to": to, "data": "0x" + data.hex()}, hex(block)])
    return bytes.fromhex(raw[2:])


def seed_members(client: ChainClient, network: str, rocket_storage: str, block: int) -> int:
    """Record every member at `block` as present from then; returns how many there were."""
    dao = address_at(client, rocket_storage, "rocketDAONodeTrusted", block)
    if dao == ZERO:
        return 0
    count = abi_decode(["uint256"], _call(client, dao, "getMemberCount()", block))[0]
    timestamp = datetime.fromtimestamp(int(client.get_block(block)["timestamp"], 16), UTC)
    for index in range(count):
        raw = _call(client, dao, "getMemberAt(uint256)", block, [index], ["uint256"])
        address = to_checksum_address(abi_decode(["address"], raw)[0])
        member_id = _text(client, dao, "getMemberID(address)", block, address)
        url = _text(client, dao, "getMemberUrl(address)", block, address)
        member, _ = Member.objects.update_or_create(
            network=network, address=address,
            defaults={"member_id": member_id, "url": url, "joined_block": block,
                      "joined_at": timestamp, "left_block": None, "left_at": None},
        )  # fmt: skip
        MembershipEvent.objects.get_or_create(
            network=network, member=member, block_number=block, log_index=-1,
            defaults={"kind": MembershipEvent.Kind.SNAPSHOT, "tx_hash": "", "timestamp": timestamp},
        )  # fmt: skip
    return count


def _text(client: ChainClient, dao: str, signature: str, block: int, address: str) -> str:
    raw = _call(client, dao, signature, block, [address], ["address"])
    return abi_decode(["string"], raw)[0][:500]
