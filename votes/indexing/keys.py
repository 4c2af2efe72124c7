"""Round keys and submission keys, computed exactly as the contracts compute their vote counters.

Two votes count together only if their submission keys are equal; a member's "different" vote
(even a different CID string in a rewards struct) lands on another key.
"""

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_bytes

from votes.chain.decoders import DecodedEvent
from votes.chain.events import REWARD_SUBMISSION_V1, REWARD_SUBMISSION_V2


def _u256(value) -> bytes:
    return int(value).to_bytes(32, "big")


def _packed(prefix: str, *numbers) -> str:
    return "0x" + keccak(prefix.encode() + b"".join(_u256(n) for n in numbers)).hex()


def _reward_struct_encoding(submission: dict, era: str) -> bytes:
    if era == "v1.4":
        order = ("reward_index", "execution_block", "consensus_block", "merkle_root",
                 "intervals_passed", "smoothing_pool_eth", "treasury_rpl", "treasury_eth",
                 "user_eth", "trusted_node_rpl", "node_rpl", "node_eth")  # fmt: skip
        struct_type = REWARD_SUBMISSION_V2
    else:
        order = ("reward_index", "execution_block", "consensus_block", "merkle_root",
                 "merkle_tree_cid", "intervals_passed", "treasury_rpl", "trusted_node_rpl",
                 "node_rpl", "node_eth", "user_eth")  # fmt: skip
        struct_type = REWARD_SUBMISSION_V1
    values = []
    for name in order:
        value = submission[name]
        if name == "merkle_root":
            value = to_bytes(hexstr=value)
        elif name == "merkle_tree_cid":
            pass
        elif isinstance(value, list):
            value = [int(item) for item in value]
        else:
            value = int(value)
        values.append(value)
    return abi_encode([struct_type], [tuple(values)])


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
        struct_hash = keccak(_reward_struct_encoding(v["submission"], era))
        return "0x" + keccak(b"rewards.snapshot.submitted.count" + struct_hash).hex()
    if duty == "scrub":
        return "0x" + keccak(b"minipool.scrub" + to_bytes(hexstr=event.address)).hex()
    raise ValueError(f"no submission key for duty {duty}")


def round_key(event: DecodedEvent) -> tuple[str, int | None]:
    """(key, key_block): what the contract votes on, and the block it refers to, if any."""
    duty = event.spec.duty
    if duty in ("balances", "prices"):
        return event.values["block"], int(event.values["block"])
    if duty == "rewards":
        return event.values["reward_index"], int(event.values["submission"]["execution_block"])
    if duty == "scrub":
        return event.address, None
    raise ValueError(f"no round key for duty {duty}")
