"""Profiles have releases: an implementation's entry is its default release, `releases` lists
other versions by the fields that differ, and a member runs `name` or `name@version`."""

import json

import pytest

from votes.devnet.profiles import DEFAULT_PROFILES, ProfileError, load_profiles

NEW_RELEASES = DEFAULT_PROFILES.parents[3] / "tests" / "profiles" / "new_releases.json"


def test_smartnode_ships_the_fee_and_gas_rules_of_its_releases():
    towers = load_profiles().watchtowers
    assert towers["smartnode"].version == "1.19.0"
    fees = {r.version: (r.fee["max_fee_gwei"], r.fee["priority_gwei"])
            for r in towers.releases_of("smartnode")}  # fmt: skip
    assert fees == {"1.16.0": (200, 3), "1.17.3": (50, 3), "1.19.0": (30, 1)}
    forced = {
        r.version: r.gas_limit["on_estimate_failure"] for r in towers.releases_of("smartnode")
    }
    assert forced == {"1.16.0": 64000, "1.17.3": 64000, "1.19.0": 300000}


def test_a_release_keeps_every_field_it_does_not_change():
    towers = load_profiles().watchtowers
    old, new = towers["smartnode@1.17.3"], towers["smartnode@1.19.0"]
    assert old.name == new.name == "smartnode"
    assert (old.finality_minutes, old.poll_minutes, old.duties) == (
        new.finality_minutes, new.poll_minutes, new.duties)  # fmt: skip


def test_another_file_adds_releases_without_replacing_the_default():
    towers = load_profiles(NEW_RELEASES).watchtowers
    assert towers["smartnode"].version == "1.19.0"
    versions = {r.version for r in towers.releases_of("smartnode")}
    assert versions == {"1.16.0", "1.17.3", "1.19.0", "1.20.0", "1.21.0"}
    assert towers["smartnode@1.21.0"].gas_limit["factor"] == 1.3
    assert towers["smartnode@1.20.0"].gas_limit["factor"] == 1.5
    assert list(towers) == ["smartnode", "oraclerust", "pywatch", "lighttower", "nightjar"]


def test_an_unknown_release_is_a_key_error_naming_it():
    with pytest.raises(KeyError, match="smartnode@9.9.9"):
        load_profiles().watchtowers["smartnode@9.9.9"]


def test_a_broken_release_is_named_in_the_error(tmp_path):
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps({"watchtowers": {"smartnode": {
        "releases": [{"version": "2.0.0", "tx_type": 3}]}}}))  # fmt: skip
    with pytest.raises(ProfileError, match="smartnode@2.0.0: tx_type must be 0 or 2"):
        load_profiles(path)
