"""Votes read from a transaction's calldata instead of a log: a reverted vote logs nothing, yet
the member's software built it, with the values it meant to submit.

Each duty's function takes the same values its Submitted event logs (less the sender, the time
and, for rewards, the index the struct already carries), so a vote decodes into the values of
that event's layout and gets its round and counter key exactly as a logged vote does.
"""

from dataclasses import dataclass

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from votes.chain.decoders import LEGACY_PRICES_MAX_VERSION, DecodedEvent, normalise
from votes.chain.duty_table import INDEXED_DUTIES
from votes.chain.events import EVENTS, EventSpec

FUNCTION_NAMES = {row.duty: row.function.split("(")[0] for row in INDEXED_DUTIES}
NOT_ARGUMENTS = ("from", "time", "reward_index")
# Layouts whose functions share a selector, told apart by the contract's `version()`: the
# older layout up to that version (prices v1.0 vs v1.3; penalties v1.3.1 = 1 vs v1.4 = 2).
OLDER_LAYOUT_MAX_VERSION = {"prices": ("v1.0", LEGACY_PRICES_MAX_VERSION), "penalty": ("v1.1", 1)}


@dataclass(frozen=True)
class VoteCall:
    """The function of one Submitted layout: its selector and the fields its arguments fill."""

    spec: EventSpec
    selector: bytes
    arguments: tuple


def _vote_call(spec: EventSpec) -> VoteCall:
    arguments = tuple(f for f in spec.fields if f.name not in NOT_ARGUMENTS)
    signature = f"{FUNCTION_NAMES[spec.duty]}({','.join(f.type for f in arguments)})"
    return VoteCall(spec, function_signature_to_4byte_selector(signature), arguments)


VOTE_CALLS = tuple(_vote_call(s) for s in EVENTS if s.kind == "submitted" and s.duty)


def decode_vote(tx: dict, emitter_version, block: dict) -> DecodedEvent | None:
    """The vote a transaction carried, as the event its layout would have logged in `block`
    (its sender as `from`, the block's time as `time`); None when its calldata is no duty's
    function (or does not decode)."""
    data = bytes.fromhex((tx.get("input") or "0x")[2:])
    calls = [c for c in VOTE_CALLS if data[:4] == c.selector]
    if not calls:
        return None
    if len(calls) > 1:
        older, max_version = OLDER_LAYOUT_MAX_VERSION[calls[0].spec.duty]
        legacy = (emitter_version() or 0) <= max_version
        calls = [c for c in calls if (c.spec.era == older) == legacy]
    call = calls[0]
    try:
        decoded = abi_decode([f.type for f in call.arguments], data[4:])
    except (DecodingError, ValueError, OverflowError):
        return None
    values = {f.name: v for f, v in zip(call.arguments, decoded, strict=True)}
    if call.spec.struct_fields:
        values["submission"] = dict(zip(call.spec.struct_fields, values["submission"], strict=True))
        values["reward_index"] = values["submission"]["reward_index"]
    values["from"], values["time"] = tx["from"], int(block["timestamp"], 16)
    normalised = {k: normalise(v) for k, v in values.items() if k != "submission"}
    if "submission" in values:
        normalised["submission"] = {k: normalise(v) for k, v in values["submission"].items()}
    return DecodedEvent(
        spec=call.spec, values=normalised, address=to_checksum_address(tx["to"]),
        block_number=int(tx["blockNumber"], 16), block_hash=block["hash"], tx_hash=tx["hash"],
        tx_index=int(tx["transactionIndex"], 16), log_index=-1,
    )  # fmt: skip
