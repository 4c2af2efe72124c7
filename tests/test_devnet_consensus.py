"""The hand-written contracts of the pre-Houston eras (Atlas: v1.0-v1.2 layouts, late votes
revert), vote by vote on anvil, and their upgrade to the Houston layouts through RocketStorage.

Only these eras are imitated: everything from Houston on runs on the real Rocket Pool contracts
(tests/test_real_*.py, tests/test_rocketpool_*.py), where the rules these tests once checked on
the imitation (late votes recorded, rewards, scrubs, non-member and repeated votes) are covered.
Fifteen members join through the imitation's guardian. Every vote is mined in a block of its own,
so the receipt that carries the *Updated event names the exact vote that applied the value.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from votes.devnet.deploy import HOUSTON_UPGRADE, contract, guardian_signer, install
from votes.devnet.members import member_key
from votes.devnet.transactions import Signer, fund, type2_fees

pytestmark = pytest.mark.chain

MEMBERS = 15
SEED = 7
GWEI = 10**9
ETHER = 10**18
VOTE_GAS = 2_000_000


class Odao:
    """The devnet with 15 joined members, and helpers to cast one vote per block."""

    def __init__(self, chain, deployment):
        self.chain, self.w3, self.deployment = chain, chain.w3, deployment
        self.guardian = guardian_signer(chain)
        self.members = [self._new_signer(member_key(SEED, index)) for index in range(MEMBERS)]
        actions = self.current("rocketDAONodeTrustedActions")
        for index, member in enumerate(self.members):
            url = f"https://member-{index}.example.org"
            self._send(self.guardian, actions, "actionJoinFor", [member.address, f"m{index}", url])
        self.chain.mine()
        self.open_round()

    def open_round(self) -> None:
        """Vote from now on about the latest mined block (and, since Houston, its slot time)."""
        self.round_block = self.w3.eth.block_number
        self.round_slot = self.chain.timestamp

    def _new_signer(self, key: bytes) -> Signer:
        signer = Signer.from_key(key, self.w3)
        fund(self.w3, signer.address, 10**21)
        return signer

    def outsider(self) -> Signer:
        return self._new_signer(Account.create().key)

    def current(self, name: str):
        era = next(e for e in reversed(self.deployment.eras) if e.name == name)
        return contract(self.w3, era.solidity, era.address)

    def upgrade(self) -> None:
        install(self.chain, self.guardian, self.deployment, HOUSTON_UPGRADE)

    def _tx(self, target, function: str, args: list) -> dict:
        fees = type2_fees(2 * self.chain.base_fee + GWEI, GWEI)
        data = target.encode_abi(function, args)
        return {"to": target.address, "data": data, "gas": VOTE_GAS, **fees}

    def _send(self, signer: Signer, target, function: str, args: list) -> str:
        return signer.send(self.w3, self._tx(target, function, args))

    def transact(self, signer: Signer, target, function: str, args: list):
        """Send one transaction, mine it in a block of its own and return its receipt."""
        tx_hash = self._send(signer, target, function, args)
        block = self.chain.mine()
        assert block.tx_hashes == [tx_hash]
        return self.w3.eth.get_transaction_receipt(tx_hash)

    def rejection(self, signer: Signer, target, function: str, args: list) -> str:
        """The revert reason of a call, after proving that the mined transaction reverts too."""
        tx = {**self._tx(target, function, args), "from": signer.address}
        with pytest.raises(ContractLogicError) as raised:
            self.w3.eth.call(tx)
        assert self.transact(signer, target, function, args)["status"] == 0
        return str(raised.value)


def events(target, name: str, receipt) -> list:
    return list(target.events[name]().process_receipt(receipt, errors=DISCARD))


@pytest.fixture
def odao(devnet) -> Odao:
    return Odao(*devnet)


# --- the duties that vote on values --------------------------------------------------------------


@dataclass(frozen=True)
class Ballot:
    """One kind of value vote: which contract, how a value becomes arguments, and the events."""

    name: str
    storage_name: str
    function: str
    submitted: str
    applied: str
    arguments: Callable[[Odao, int], list]  # (odao, value) -> the vote's arguments
    applied_value: Callable[[dict], int]  # decoded applied-event args -> the value voted on


def balances_arguments(odao: Odao, total_eth: int) -> list:
    return [odao.round_block, total_eth, total_eth * 95 // 100, total_eth * 90 // 100]


def prices_arguments(odao: Odao, rpl_price: int) -> list:
    return [odao.round_block, rpl_price]


BALLOTS = [
    Ballot("balances-atlas", "rocketNetworkBalances", "submitBalances",
           "BalancesSubmitted", "BalancesUpdated", balances_arguments,
           lambda args: args["totalEth"]),
    Ballot("prices-atlas", "rocketNetworkPrices", "submitPrices",
           "PricesSubmitted", "PricesUpdated", prices_arguments,
           lambda args: args["rplPrice"]),
]  # fmt: skip

VALUE = 400_000 * ETHER
OTHER_VALUE = VALUE + 1


@pytest.fixture
def ballot_odao(odao, request) -> tuple[Odao, Ballot]:
    """The Atlas-era oDAO, with the round (a past block) fixed."""
    return odao, request.param


def by_name(ballots):
    return pytest.mark.parametrize(
        "ballot_odao", ballots, ids=[b.name for b in ballots], indirect=True
    )


def cast(odao: Odao, ballot: Ballot, member: Signer, value: int):
    target = odao.current(ballot.storage_name)
    return odao.transact(member, target, ballot.function, ballot.arguments(odao, value))


def applied_values(odao: Odao, ballot: Ballot, receipts) -> list[int | None]:
    """Per receipt, the value its transaction applied (None where it applied nothing)."""
    target = odao.current(ballot.storage_name)
    values = []
    for receipt in receipts:
        assert receipt["status"] == 1
        applied = events(target, ballot.applied, receipt)
        values.append(ballot.applied_value(applied[0]["args"]) if applied else None)
    return values


@by_name(BALLOTS)
def test_the_eighth_identical_vote_of_fifteen_applies_the_value(ballot_odao):
    odao, ballot = ballot_odao
    receipts = [cast(odao, ballot, member, VALUE) for member in odao.members[:8]]
    assert applied_values(odao, ballot, receipts) == [None] * 7 + [VALUE]


@by_name(BALLOTS)
def test_a_differing_vote_does_not_count_toward_the_other_value(ballot_odao):
    odao, ballot = ballot_odao
    receipts = [cast(odao, ballot, member, VALUE) for member in odao.members[:7]]
    receipts.append(cast(odao, ballot, odao.members[7], OTHER_VALUE))
    receipts.append(cast(odao, ballot, odao.members[8], VALUE))
    assert applied_values(odao, ballot, receipts) == [None] * 8 + [VALUE]


@by_name(BALLOTS)
def test_every_vote_is_emitted_as_submitted(ballot_odao):
    odao, ballot = ballot_odao
    target = odao.current(ballot.storage_name)
    receipt = cast(odao, ballot, odao.members[0], VALUE)
    (submitted,) = events(target, ballot.submitted, receipt)
    assert submitted["args"]["from"] == odao.members[0].address


@by_name(BALLOTS)
def test_atlas_era_late_votes_revert(ballot_odao):
    odao, ballot = ballot_odao
    for member in odao.members[:8]:
        cast(odao, ballot, member, VALUE)
    target = odao.current(ballot.storage_name)
    args = ballot.arguments(odao, VALUE)
    reason = odao.rejection(odao.members[8], target, ballot.function, args)
    assert "for an equal or higher block are set" in reason


@by_name(BALLOTS)
def test_a_non_member_vote_reverts(ballot_odao):
    odao, ballot = ballot_odao
    target = odao.current(ballot.storage_name)
    args = ballot.arguments(odao, VALUE)
    assert "Invalid trusted node" in odao.rejection(odao.outsider(), target, ballot.function, args)


@by_name(BALLOTS)
def test_a_member_repeating_the_same_values_reverts(ballot_odao):
    odao, ballot = ballot_odao
    cast(odao, ballot, odao.members[0], VALUE)
    target = odao.current(ballot.storage_name)
    args = ballot.arguments(odao, VALUE)
    reason = odao.rejection(odao.members[0], target, ballot.function, args)
    assert "Duplicate submission from node" in reason


# --- upgrades through RocketStorage --------------------------------------------------------------


def storage_address(odao: Odao, name: str, block="latest") -> str:
    key = Web3.solidity_keccak(["string", "string"], ["contract.address", name])
    storage = contract(odao.w3, "RocketStorage", odao.deployment.rocket_storage)
    return storage.functions.getAddress(key).call(block_identifier=block)


def storage_exists(odao: Odao, address: str) -> bool:
    key = Web3.solidity_keccak(["string", "address"], ["contract.exists", address])
    storage = contract(odao.w3, "RocketStorage", odao.deployment.rocket_storage)
    return storage.functions.getBool(key).call()


@pytest.fixture
def upgraded(odao) -> tuple[Odao, dict[str, str], int]:
    """The oDAO after the Houston upgrade, the pre-upgrade addresses, and the last Atlas block."""
    before = {name: odao.current(name).address for name in HOUSTON_UPGRADE}
    last_atlas_block = odao.w3.eth.block_number
    odao.upgrade()
    return odao, before, last_atlas_block


@pytest.mark.parametrize("name", sorted(HOUSTON_UPGRADE))
def test_storage_resolves_a_name_to_its_upgraded_address(upgraded, name):
    odao, before, _ = upgraded
    assert storage_address(odao, name) == odao.current(name).address != before[name]


@pytest.mark.parametrize("name", sorted(HOUSTON_UPGRADE))
def test_storage_resolves_a_name_to_its_old_address_before_the_upgrade(upgraded, name):
    odao, before, last_atlas_block = upgraded
    assert storage_address(odao, name, last_atlas_block) == before[name]


@pytest.mark.parametrize("name", sorted(HOUSTON_UPGRADE))
def test_the_upgrade_moves_the_contract_exists_flag(upgraded, name):
    odao, before, _ = upgraded
    flags = (storage_exists(odao, before[name]), storage_exists(odao, odao.current(name).address))
    assert flags == (False, True)


def test_the_upgraded_contract_is_the_houston_version(upgraded):
    odao, _, _ = upgraded
    balances = odao.current("rocketNetworkBalances")
    assert balances.functions.version().call() == 3
    assert "slotTimestamp" in [i["name"] for i in balances.events.BalancesUpdated.abi["inputs"]]


def test_the_replaced_contract_rejects_submissions(upgraded):
    odao, before, _ = upgraded
    old = contract(odao.w3, "RocketNetworkBalancesAtlas", before["rocketNetworkBalances"])
    args = [odao.w3.eth.block_number - 1, VALUE, VALUE, VALUE]
    reason = odao.rejection(odao.members[0], old, "submitBalances", args)
    assert "Invalid or outdated contract" in reason
