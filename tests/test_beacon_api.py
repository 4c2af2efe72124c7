"""The beacon-API client against the devnet's real beacon-API server: exact balances and
statuses by pubkey at a slot, and "unchecked, because ..." (never a value) when the node is
slow, lacks the state, fails, or answers garbage."""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from diversity.reference.beacon_api import GWEI, BeaconApiClient
from tests.faulty_beacon import FaultyBeacon
from votes.devnet.beacon_api_server import BeaconApiServer, SimulatedBeaconChain
from votes.devnet.beacon_api_server import SimulatedValidator as Validator

GENESIS = 1_767_225_600
PUBKEYS = [f"0x{i:02x}" + "ab" * 47 for i in range(5)]
UNKNOWN = "0x" + "cd" * 48


def validators_at(slot: int) -> list[Validator]:
    """Distinct, slot-dependent balances and statuses, so a mix-up cannot go unnoticed."""
    statuses = ["active_ongoing", "pending_queued", "active_exiting", "withdrawal_done",
                "active_ongoing"]  # fmt: skip
    return [
        Validator(
            pubkey, index=10 + i, balance_gwei=32 * GWEI + slot * 1000 + i, status=statuses[i]
        )  # fmt: skip
        for i, pubkey in enumerate(PUBKEYS)
    ]


@pytest.fixture
def server():
    chain = SimulatedBeaconChain(genesis_time=GENESIS)
    for slot in (100, 200):
        chain.record(slot, validators_at(slot))
    with BeaconApiServer(chain) as running:
        yield running


@pytest.fixture
def faulty(server):
    with FaultyBeacon(server.url) as proxy:
        yield proxy


def test_balances_and_statuses_by_pubkey_at_a_slot(server):
    reading = BeaconApiClient(server.url).validators_at_slot(PUBKEYS, 200)
    assert reading.checked and reading.slot == 200 and reading.not_found == ()
    for i, pubkey in enumerate(PUBKEYS):
        state = reading.validators[pubkey]
        assert state.index == 10 + i
        assert state.balance_gwei == 32 * GWEI + 200_000 + i
        assert state.balance_wei == state.balance_gwei * 10**9
        assert state.effective_balance_gwei == 32 * GWEI
    assert reading.validators[PUBKEYS[3]].status == "withdrawal_done"


def test_a_slot_between_snapshots_reads_the_state_then(server):
    reading = BeaconApiClient(server.url).validators_at_slot(PUBKEYS[:1], 150)
    assert reading.validators[PUBKEYS[0]].balance_gwei == 32 * GWEI + 100_000


def test_requests_are_batched_and_unknown_pubkeys_are_listed(server, faulty):
    client = BeaconApiClient(faulty.url, batch_size=2)
    reading = client.validators_at_slot([*PUBKEYS, UNKNOWN], 100)
    assert reading.checked and set(reading.validators) == set(PUBKEYS)
    assert reading.not_found == (UNKNOWN,)
    assert len(faulty.requests) == 3
    assert all(
        path.startswith("/eth/v1/beacon/states/100/validators?id=0x") for path in faulty.requests
    )


def test_a_block_timestamp_maps_to_its_slot(server):
    client = BeaconApiClient(server.url)
    assert client.slot_at(GENESIS + 12 * 150 + 11) == 150
    reading = client.validators_at_time(PUBKEYS[:1], GENESIS + 12 * 200)
    assert reading.slot == 200
    assert reading.validators[PUBKEYS[0]].balance_gwei == 32 * GWEI + 200_000


def test_a_time_before_genesis_is_unchecked(server):
    reading = BeaconApiClient(server.url).validators_at_time(PUBKEYS, GENESIS - 1)
    assert not reading.checked and "before the beacon chain's genesis" in reading.unchecked


@pytest.mark.parametrize("slot", [99, 201])
def test_a_state_the_node_does_not_have_is_unchecked(server, slot):
    reading = BeaconApiClient(server.url).validators_at_slot(PUBKEYS, slot)
    assert not reading.checked and reading.validators == {}
    assert "no such state" in reading.unchecked


def test_a_slow_node_is_unchecked_within_the_timeout(faulty):
    faulty.stall_seconds = 2.0
    started = time.monotonic()
    reading = BeaconApiClient(faulty.url, timeout_s=0.5).validators_at_slot(PUBKEYS, 200)
    assert time.monotonic() - started < 1.5
    assert not reading.checked and "did not answer within 0.5 s" in reading.unchecked


def test_a_trickling_body_is_cut_by_the_total_deadline(faulty):
    faulty.trickle_seconds = 0.1  # each 64-byte piece arrives in time; the whole body doesn't
    started = time.monotonic()
    reading = BeaconApiClient(faulty.url, timeout_s=0.5).validators_at_slot(PUBKEYS, 200)
    assert time.monotonic() - started < 1.5
    assert not reading.checked and reading.validators == {}
    assert "did not answer within 0.5 s" in reading.unchecked


def test_an_error_status_is_unchecked(faulty):
    faulty.status = 500
    reading = BeaconApiClient(faulty.url).validators_at_slot(PUBKEYS, 200)
    assert not reading.checked and "HTTP 500" in reading.unchecked


def test_a_node_that_is_not_there_is_unchecked():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reading = BeaconApiClient(f"http://127.0.0.1:{port}").validators_at_slot(PUBKEYS, 200)
    assert not reading.checked and "cannot be reached" in reading.unchecked


def _edit(change):
    def rewrite(body: bytes) -> bytes:
        document = json.loads(body)
        change(document)
        return json.dumps(document).encode()

    return rewrite


def _set(field, value, where="record"):
    def change(document):
        record = document["data"][0]
        (record if where == "record" else record["validator"])[field] = value

    return change


GARBAGE = {
    "not json": lambda body: body[: len(body) // 2],
    "not an object": lambda body: b"[1, 2, 3]",
    "html error page": lambda body: b"<html><body>502 Bad Gateway</body></html>",
    "data is not a list": _edit(lambda d: d.update(data={"0": 1})),
    "negative balance": _edit(_set("balance", "-1")),
    "balance as a float": _edit(_set("balance", "32.5")),
    "balance over uint64": _edit(_set("balance", str(2**64))),
    "unknown status": _edit(_set("status", "active_maybe")),
    "index missing": _edit(lambda d: d["data"][0].pop("index")),
    "pubkey not asked for": _edit(_set("pubkey", UNKNOWN, "validator")),
    "pubkey twice": _edit(lambda d: d["data"].append(d["data"][0])),
    "slashed as a string": _edit(_set("slashed", "false", "validator")),
    "optimistic state": _edit(lambda d: d.update(execution_optimistic=True)),
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_is_unchecked_never_a_value(faulty, name):
    faulty.rewrite = GARBAGE[name]
    reading = BeaconApiClient(faulty.url).validators_at_slot(PUBKEYS, 200)
    assert not reading.checked and reading.validators == {}, name
    assert reading.unchecked


def test_malformed_pubkeys_are_a_caller_error(server):
    with pytest.raises(ValueError, match="48-byte validator pubkey"):
        BeaconApiClient(server.url).validators_at_slot(["0x1234"], 200)


# -- the server speaks the standard shapes -------------------------------------------------------


def test_server_genesis_spec_and_validator_filters(server):
    get = lambda path: requests.get(server.url + path, timeout=5)  # noqa: E731
    assert get("/eth/v1/beacon/genesis").json()["data"]["genesis_time"] == str(GENESIS)
    assert get("/eth/v1/config/spec").json()["data"]["SECONDS_PER_SLOT"] == "12"
    everyone = get("/eth/v1/beacon/states/head/validators").json()
    assert [v["index"] for v in everyone["data"]] == ["10", "11", "12", "13", "14"]
    assert everyone["data"][0]["balance"] == str(32 * GWEI + 200_000)
    by_index = get(f"/eth/v1/beacon/states/genesis/validators?id=11,{PUBKEYS[4]}").json()
    assert [v["validator"]["pubkey"] for v in by_index["data"]] == [PUBKEYS[1], PUBKEYS[4]]
    assert by_index["data"][0]["balance"] == str(32 * GWEI + 100_001)
    missing = get("/eth/v1/beacon/states/5000/validators")
    assert missing.status_code == 404 and missing.json()["message"] == "State not found"


def test_an_unknown_status_cannot_be_simulated():
    with pytest.raises(ValueError, match="unknown validator status"):
        Validator(PUBKEYS[0], 0, 32 * GWEI, status="active")
