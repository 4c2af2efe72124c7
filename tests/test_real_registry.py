"""Registry discovery through RocketStorage alone, on the real protocol: each tracked name's
address before and after the real Saturn upgrade (which re-points names with no event and
deletes the old addresses' `contract.exists` / `contract.name`), with the block it changed;
and the mainnet profile as data."""

import os

import pytest

from tests.rocketpool_votes import index, storage_bool
from votes.chain.networks import (
    MAINNET_ROCKET_STORAGE,
    MAINNET_START_BLOCK,
    MAINNET_V1_0_ANCHORS,
    TRACKED_NAMES,
)
from votes.chain.storage_keys import contract_exists_key
from votes.models import ContractAddress

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


def eras(name: str) -> list[tuple[str, int, int | None]]:
    rows = ContractAddress.objects.filter(name=name).order_by("from_block")
    return [(row.address, row.from_block, row.to_block) for row in rows]


def test_discovery_reproduces_every_address_before_and_after_the_upgrade(rocketpool):
    addresses = rocketpool.system.addresses
    registered = {era.name: era.from_block for era in rocketpool.deployment.eras}
    upgrade = rocketpool.upgrade_to_saturn()
    index(rocketpool)
    for name in TRACKED_NAMES:
        old, new = addresses.houston.get(name), addresses.saturn.get(name)
        expected = []
        if old:
            expected.append((old, registered[name], upgrade - 1 if new else None))
        if new:
            expected.append((new, upgrade, None))
        assert eras(name) == expected, name


def test_the_upgrade_deletes_the_old_reverse_entries_and_discovery_does_not_need_them(rocketpool):
    old = rocketpool.system.address("rocketNetworkBalances")
    assert storage_bool(rocketpool, contract_exists_key(old))
    rocketpool.upgrade_to_saturn()
    assert not storage_bool(rocketpool, contract_exists_key(old))
    index(rocketpool)
    assert eras("rocketNetworkBalances")[0][0] == old


def test_the_mainnet_profile_names_rocket_storage_and_starts_before_the_first_contract():
    assert MAINNET_ROCKET_STORAGE == "0x1d8f8f00cfa6758d7bE78336684788Fb0ee0Fa46"
    assert min(block for _, block in MAINNET_V1_0_ANCHORS.values()) >= MAINNET_START_BLOCK


@pytest.mark.skipif(not os.environ.get("MAINNET_ARCHIVE_RPC"), reason="no MAINNET_ARCHIVE_RPC")
def test_discovery_on_a_mainnet_archive_node_finds_the_v1_0_addresses():
    from votes.chain.client import ChainClient
    from votes.chain.registry import discover_eras

    client = ChainClient(os.environ["MAINNET_ARCHIVE_RPC"])
    before_redstone_fix = 13_535_000  # the second minipool manager came at 13,535,419
    for name, (address, first_block) in MAINNET_V1_0_ANCHORS.items():
        found = discover_eras(client, MAINNET_ROCKET_STORAGE, name, MAINNET_START_BLOCK,
                              before_redstone_fix, None)  # fmt: skip
        assert found[0].address.lower() == address.lower(), name
        assert found[0].from_block <= first_block
