"""Members already in the oDAO where indexing starts: read from state, kept as 'snapshot' events.

Indexing from a later block than the deployment (`index --from-block N`) never sees the earlier
ActionJoined logs, so without this the member count at every round would start from zero.
"""

from datetime import UTC, datetime

from eth_utils import to_checksum_address

from votes.chain.client import ChainClient
from votes.chain.registry import ZERO, address_at
from votes.models import Member, MembershipEvent


def seed_members(client: ChainClient, network: str, rocket_storage: str, block: int) -> int:
    """Record every member at `block` as present from then; returns how many there were."""
    dao = address_at(client, rocket_storage, "rocketDAONodeTrusted", block)
    if dao == ZERO:
        return 0
    (count,) = client.view(dao, "getMemberCount()", block=block)
    timestamp = datetime.fromtimestamp(int(client.get_block(block)["timestamp"], 16), UTC)
    for index in range(count):
        (address,) = client.view(dao, "getMemberAt(uint256)", [index], ("address",), block)
        address = to_checksum_address(address)
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
    return client.view(dao, signature, [address], ("string",), block)[0][:500]
