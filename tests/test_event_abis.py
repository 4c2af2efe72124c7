"""The event table against the real releases' compiled ABIs: every log the indexer reads from
Houston (v1.3.1) and Saturn (v1.4) has, in the emitting contract's ABI, the signature and the
indexed fields the indexer decodes it with (so a guessed layout or topic fails here)."""

import pytest

from votes.chain.duty_table import RELEASES, release_events

pytestmark = pytest.mark.chain


def canonical_type(item: dict) -> str:
    """A Solidity ABI input's canonical type: structs as tuples of their components."""
    if not item["type"].startswith("tuple"):
        return item["type"]
    inner = ",".join(canonical_type(component) for component in item["components"])
    return f"({inner}){item['type'].removeprefix('tuple')}"


def abi_events(tag: str, contract: str) -> dict[str, tuple[str, tuple[bool, ...]]]:
    from votes.devnet.protocol.build import load_release

    abi = load_release(tag)[contract]["abi"]
    return {
        item["name"]: (
            f"{item['name']}({','.join(canonical_type(i) for i in item['inputs'])})",
            tuple(i["indexed"] for i in item["inputs"]),
        )
        for item in abi
        if item["type"] == "event"
    }


@pytest.mark.parametrize(
    "tag, contract, spec",
    [(tag, contract, spec) for tag in RELEASES for contract, spec in release_events(tag)],
    ids=lambda value: getattr(value, "name", value),
)
def test_the_indexer_decodes_each_event_with_the_release_abi(tag, contract, spec):
    events = abi_events(tag, contract)
    assert spec.name in events, f"{contract} {tag} emits no {spec.name}"
    signature, indexed = events[spec.name]
    assert spec.signature == signature
    assert tuple(field.indexed for field in spec.fields) == indexed


def test_the_megapool_penalty_has_a_topic0_of_its_own():
    megapool = dict(abi_events("v1.4", "RocketMegapoolPenalties"))["PenaltySubmitted"][0]
    minipool = dict(abi_events("v1.4", "RocketNetworkPenalties"))["PenaltySubmitted"][0]
    houston = dict(abi_events("v1.3.1", "RocketNetworkPenalties"))["PenaltySubmitted"][0]
    assert megapool != minipool == houston  # same topic0 for minipools; indexed flags differ
