"""Round keys and submission keys, computed exactly as the contracts compute their vote counters.

Two votes count together only if their submission keys are equal; a member's "different" vote
(even a different CID string in a rewards struct) lands on another key.
"""

from eth_abi import encode as abi_encode
from eth_utils import to_bytes
from sha3 import keccak_256

from votes.chain.decoders import DecodedEvent
from votes.chain.events import (
    REWARD_SUBMISSION_V1,
    REWARD_SUBMISSION_V1_FIELDS,
    REWARD_SUBMISSION_V2,
    REWARD_SUBMISSION_V2_FIELDS,
)


def keccak(data: bytes) -> bytes:
    """Keccak-256 through safe-pysha3's C extension: a key for every vote of the history, and
    eth_utils' keccak costs ~5x more a call."""
    return keccak_256(data).digest()


def _u256(value) -> bytes:
    return int(value).to_bytes(32, "big")


def _packed(prefix: str, *numbers) -> str:
    return "0x" + keccak(prefix.encode() + b"".join(_u256(n) for n in numbers)).hex()


def _packed_address(prefix: str, address: str, *numbers) -> str:
    """keccak256(abi.encodePacked(prefix, address, uint256...)): an address packs to 20 bytes."""
    head = prefix.encode() + to_bytes(hexstr=address)
    return "0x" + keccak(head + b"".join(_u256(n) for n in numbers)).hex()


def _reward_struct(submission: dict, era: str) -> tuple[str, tuple]:
    """(ABI type, values) of a decoded RewardSubmission, in the struct's field order."""
    if era == "v1.4":
        struct_type, order = REWARD_SUBMISSION_V2, REWARD_SUBMISSION_V2_FIELDS
    else:
        struct_type, order = REWARD_SUBMISSION_V1, REWARD_SUBMISSION_V1_FIELDS
    values = []
    for name in order:
        value = submission[name]
        if name == "merkle_root":
            value = to_bytes(hexstr=value)
        elif isinstance(value, list):
            value = [int(item) for item in value]
        elif name != "merkle_tree_cid":
            value = int(value)
        values.append(value)
    return struct_type, tuple(values)


def submission_key(event: DecodedEvent) -> str:
    """The contract's counter key for this vote (or update), as a 0x-hex string."""
    v, duty, era = event.values, event.spec.duty, event.spec.era
    if duty == "balances":
        slot = [v["slot_timestamp"]] if era == "v1.3" else []
        return _packed("network.balances.submitted.count", v["block"], *slot,
                       v["total_eth"], v["staking_eth"], v["reth_supply"])  # fmt: skip
    if duty == "prices":
        if era == "v1.0":
            rest = [v["rpl_price"], v["effective_rpl_stake"]]
        elif era == "v1.3":
            rest = [v["slot_timestamp"], v["rpl_price"]]
        else:
            rest = [v["rpl_price"]]
        return _packed("network.prices.submitted.count", v["block"], *rest)
    if duty == "rewards":
        return _reward_count_key(v["submission"], era)
    if duty == "scrub":  # the minipool counts in a variable of its own: the key is ours
        return "0x" + keccak(b"minipool.scrub" + to_bytes(hexstr=event.address)).hex()
    if duty == "penalty":
        prefix = (
            "minipool.penalty.submission" if era == "v1.4" else "network.penalties.submitted.count"
        )
        return _packed_address(prefix, v["minipool"], v["block"])
    if duty == "megapool_penalty":
        return _packed_address(
            "megapool.penalty.submission", v["megapool"], v["block"], v["amount"]
        )
    if duty == "bond_cancel":
        return _packed_address("minipool.bond.reduction.vote.count", v["minipool"])
    raise ValueError(f"no submission key for duty {duty}")


def _reward_count_key(submission: dict, era: str) -> str:
    """keccak256(abi.encode("rewards.snapshot.submitted.count", _submission)): the string and
    the whole struct ABI-encoded together (not packed over an inner hash)."""
    struct_type, struct = _reward_struct(submission, era)
    encoded = abi_encode(["string", struct_type], ["rewards.snapshot.submitted.count", struct])
    return "0x" + keccak(encoded).hex()


def round_key(event: DecodedEvent) -> tuple[str, int | None]:
    """(key, key_block): what the contract votes on, and the block it refers to, if any."""
    duty = event.spec.duty
    if duty in ("balances", "prices"):
        return event.values["block"], int(event.values["block"])
    if duty == "rewards":
        return event.values["reward_index"], int(event.values["submission"]["execution_block"])
    if duty in ("scrub", "bond_cancel"):
        return event.values.get("minipool", event.address), None
    if duty in ("penalty", "megapool_penalty"):
        pool = event.values.get("minipool") or event.values["megapool"]
        return f"{pool}:{event.values['block']}", int(event.values["block"])
    raise ValueError(f"no round key for duty {duty}")
