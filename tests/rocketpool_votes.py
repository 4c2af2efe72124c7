"""Driving real oDAO votes on the `rocketpool` devnet and indexing what they left.

Each helper sends members' own transactions to the real contracts (one block per stage) or reads
the contracts' own state, so tests compare the index with the protocol, not with a model of it.
"""

from eth_abi import encode as abi_encode
from eth_utils import keccak

from reliability.indexer_state import devnet_config
from votes.devnet.protocol.oracle_dao import call
from votes.indexing.indexer import Indexer, PassReport
from votes.models import Consensus, Round

ETHER = 10**18
WEEK = 7 * 86400
# RocketStorage's mappings by slot: string, bytes, uint, int, address, bool.
UINT_STORAGE_SLOT, BOOLEAN_STORAGE_SLOT = 2, 5


def index(rocketpool) -> PassReport:
    """One indexing pass over the whole devnet, from RocketStorage's deployment to the head."""
    return Indexer(devnet_config(rocketpool.deployment), confirmations=0, max_range=500).run_pass()


def votes(rocketpool, members, name: str, function: str, *args) -> list:
    """The same call from each member, in one stage."""
    return [call(rocketpool.system, m.signer, name, function, *args) for m in members]


def submit_balances(rocketpool, members, *values, check: bool = True):
    """Members vote `values` (block, slot time, total, staking, rETH supply) in one block."""
    return rocketpool.run(votes(rocketpool, members, "rocketNetworkBalances", "submitBalances",
                                *values), check=check)  # fmt: skip


def voting_block(rocketpool) -> tuple[int, int]:
    """(block, its timestamp) of the latest block: a block members may vote on next block."""
    block = rocketpool.chain.w3.eth.get_block("latest")
    return block["number"], block["timestamp"]


def packed_key(prefix: bytes, address: str, *numbers: int) -> bytes:
    """keccak256(abi.encodePacked(prefix, address, uint256...)): how the contracts key a member's
    or a minipool's flags in RocketStorage (an address packs to its 20 bytes)."""
    words = b"".join(number.to_bytes(32, "big") for number in numbers)
    return keccak(prefix + bytes.fromhex(address[2:]) + words)


def storage_uint(rocketpool, key: bytes | str) -> int:
    key = bytes.fromhex(key[2:]) if isinstance(key, str) else key
    return rocketpool.system.contract("rocketStorage").functions.getUint(key).call()


def storage_bool(rocketpool, key: bytes) -> bool:
    return rocketpool.system.contract("rocketStorage").functions.getBool(key).call()


def set_storage(rocketpool, slot: int, key: bytes, value: int) -> None:
    """Write RocketStorage's `slot` mapping at `key` directly (anvil), for state the protocol
    reaches only through long histories or settings guarded by bounds."""
    position = keccak(abi_encode(["bytes32", "uint256"], [key, slot]))
    storage = rocketpool.system.address("rocketStorage")
    word = "0x" + value.to_bytes(32, "big").hex()
    rocketpool.chain.rpc("anvil_setStorageAt", [storage, "0x" + position.hex(), word])


def plant_minipool(rocketpool, address: str) -> None:
    """Mark `address` as a registered minipool in RocketStorage (`minipool.exists`), the only
    thing the penalty contracts ask of a minipool below its third penalty. A stand-in until the
    devnet creates real minipools (votes/devnet/protocol/validators.py)."""
    key = packed_key(b"minipool.exists", address)
    set_storage(rocketpool, BOOLEAN_STORAGE_SLOT, key, 1)
    assert storage_bool(rocketpool, key)


def consensus_of(duty: str, key) -> Consensus:
    return Consensus.objects.get(round=Round.objects.get(duty=duty, key=str(key)))


def updated_logs(rocketpool, name: str, event: str, from_block: int = 0) -> list:
    """The contract's own update events, decoded with the ABI of the release it runs."""
    contract = rocketpool.system.contract(name)
    return getattr(contract.events, event)().get_logs(from_block=from_block)


def remove_by_challenge(rocketpool, challengers: list, removed: list) -> None:
    """Remove members the quickest real way: each is challenged by another member (a member may
    challenge once per cooldown), nobody answers within the window (a week), and the challenger's
    `actionChallengeDecide` removes them."""

    def each(function):
        return [call(rocketpool.system, challenger.signer, "rocketDAONodeTrustedActions",
                     function, member.address)
                for challenger, member in zip(challengers, removed, strict=True)]  # fmt: skip

    rocketpool.run(each("actionChallengeMake"))
    rocketpool.chain.mine(rocketpool.chain.timestamp + WEEK + 60)
    rocketpool.run(each("actionChallengeDecide"))
