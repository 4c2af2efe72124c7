"""Drive a simulated oDAO on the real Rocket Pool contracts: members running different
implementations vote on every duty of each era for a number of days of chain time, and the
Saturn upgrade happens mid-history, as on mainnet.

Everything random comes from the seed, and every block is mined at a chosen timestamp, so one
seed gives one history, transaction for transaction.
"""

import heapq
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from web3 import Web3

from votes.devnet import duties
from votes.devnet.beacon_api_server import SimulatedBeaconChain
from votes.devnet.beacon_world import BeaconWorld
from votes.devnet.chain import DevnetChain
from votes.devnet.deploy import ContractEra, Deployment, contract, guardian_signer
from votes.devnet.members import SimMember, expand_mix, new_member
from votes.devnet.network_balances import network_balances
from votes.devnet.profiles import ProfileSet
from votes.devnet.protocol import plans
from votes.devnet.protocol.driver import StageFailed, merge_stages, revert_reason, send
from votes.devnet.protocol.oracle_dao import PlannedTx, call, join_stages
from votes.devnet.protocol.system import SATURN_TAG, ProtocolAddresses, ProtocolSystem
from votes.devnet.rewards_intervals import RewardsIntervals
from votes.devnet.scenario import Scenario, ScenarioEvent
from votes.devnet.transactions import Signer, fund, guardian_fees
from votes.devnet.tx_shape import EstimateFailed, fee_fields, gas_limit
from votes.devnet.validator_rounds import VALIDATOR_RHYTHM, ValidatorRounds
from votes.devnet.world import StakingWorld

DAY = 86400
ROUND_HOUR = 6 * 3600
DEPOSIT_HOUR = 5 * 3600
MEMBER_FUNDS = 10**21
STAKER_KEY = b"towerwatch devnet staker"


@dataclass
class SentVote:
    tx_hash: str
    member: str
    duty: str
    round_key: int | str
    watchtower: str
    treegen: str
    late: bool
    status: int | None = None
    block: int | None = None


@dataclass
class SimulationResult:
    seed: int
    days: int
    started_at: int
    members: list[SimMember]
    rounds: list[duties.SimRound]
    votes: list[SentVote] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    saturn_block: int | None = None
    actions: Counter = field(default_factory=Counter)  # oDAO duties that are no vote


def vote_delay(profiles: ProfileSet, member: SimMember, duty: str,
               rng: random.Random) -> float | None:  # fmt: skip
    """Seconds after a round opens that a member's watchtower votes on it: its finality wait,
    polling, task order and (rewards) tree generation; None when it does not vote (not its
    duty, or a missed round at its fault rate)."""
    profile = profiles.watchtowers[member.watchtower]
    if duty not in profile.duties:
        return None
    if rng.random() < profile.fault_rate.get("miss_round", 0.0):
        return None
    delay = profile.finality_minutes * 60
    delay += rng.uniform(0, rng.uniform(*profile.poll_minutes) * 60)
    delay += profile.duties.index(duty) * profile.task_gap_seconds
    if duty == "rewards":
        delay += rng.uniform(*profiles.treegens[member.treegen].generation_minutes) * 60
    return delay


class Simulation:
    def __init__(self, chain: DevnetChain, deployment: Deployment, profiles: ProfileSet,
                 scenario: Scenario, members: int = 15, days: int = 30, seed: int = 1):  # fmt: skip
        self.chain, self.w3 = chain, chain.w3
        self.deployment, self.profiles, self.scenario = deployment, profiles, scenario
        self.system = ProtocolSystem(chain.w3, ProtocolAddresses(**deployment.protocol))
        self.days, self.seed = days, seed
        self.rng = random.Random(f"{seed}-members")
        self.world = StakingWorld(random.Random(f"{seed}-world"))
        genesis = chain.w3.eth.get_block(0)["timestamp"]
        self.beacon = BeaconWorld(chain.beacon or SimulatedBeaconChain(genesis),
                                  random.Random(f"{seed}-beacon"))  # fmt: skip
        self.guardian = guardian_signer(chain)
        self.staker = Signer.from_key(Web3.keccak(STAKER_KEY), chain.w3)
        self.rewards = RewardsIntervals(random.Random(f"{seed}-rewards"), self.system,
                                        deployment.reward_interval_seconds,
                                        chain.w3.eth.block_number)  # fmt: skip
        self.members = self._initial_members(members)
        self.validators = ValidatorRounds(random.Random(f"{seed}-validators"), seed)
        self.queue: list[tuple[int, int, object]] = []
        self.counter = itertools.count()
        self.pending: list[SentVote] = []
        self.slot_time = 0
        self.result: SimulationResult | None = None

    # --- set-up -------------------------------------------------------------------------------
    def _initial_members(self, count: int) -> list[SimMember]:
        explicit = self.scenario.members
        mix = self.profiles.default_mix
        towers = expand_mix(mix["watchtowers"], count, self.rng)
        treegens = expand_mix(mix["treegens"], count, self.rng)
        members = []
        for index in range(count):
            chosen = explicit[index] if index < len(explicit) else {}
            tower = chosen.get("watchtower", towers[index])
            treegen = chosen.get("treegen", treegens[index])
            members.append(new_member(self.seed, index, tower, treegen))
        return members

    def join(self, members: list[SimMember]) -> None:
        """Members join the real way (registration, RPL bond, invitation, actionJoin)."""
        for member in members:
            fund(self.w3, member.address, MEMBER_FUNDS)
            member.signer.nonce = self.w3.eth.get_transaction_count(member.address)
        stages = merge_stages([join_stages(self.system, self.guardian, m.signer, m.member_id,
                                           m.url) for m in members])  # fmt: skip
        for stage in stages:
            hashes = self.send_planned(stage)
            self.mine(self.now())
            for tx_hash in hashes:
                if self.w3.eth.get_transaction_receipt(tx_hash)["status"] != 1:
                    reason = revert_reason(self.w3, tx_hash)
                    raise StageFailed(f"simulated world step {tx_hash}: {reason}")
        for member in members:
            member.joined_at = self.chain.timestamp
            member.switch(self.chain.timestamp, None, None)

    def send_planned(self, planned: list[PlannedTx]) -> list[str]:
        return [send(self.chain, tx) for tx in planned]

    def run_stages(self, stages: list[list[PlannedTx]]) -> None:
        """Each stage in a block of its own, from now on (set-up steps of the world)."""
        for stage in stages:
            hashes = self.send_planned(stage)
            self.mine(self.now())
            for tx_hash in hashes:
                if self.w3.eth.get_transaction_receipt(tx_hash)["status"] != 1:
                    reason = revert_reason(self.w3, tx_hash)
                    raise StageFailed(f"simulated world step {tx_hash}: {reason}")

    def guardian_call(self, solidity: str, address: str, function: str, args: list) -> str:
        data = contract(self.w3, solidity, address).encode_abi(function, args)
        tx = {"to": Web3.to_checksum_address(address), "data": data, "gas": 2_000_000}
        return self.guardian.send(self.w3, {**tx, **guardian_fees(self.chain.base_fee)})

    def upgrade(self) -> None:
        """Saturn: the guardian executes the staged upgrade contract, in a block of its own."""
        upgrade = self.system.contract("rocketUpgradeOneDotFour")
        execute = upgrade.encode_abi("execute", [])
        self.send_planned([PlannedTx(self.guardian, upgrade.address, execute, gas=30_000_000)])
        block = self.mine(self.now())
        self.system.addresses.upgraded_block = block.number
        self.deployment.protocol["upgraded_block"] = block.number
        self.result.saturn_block = block.number
        self._record_saturn_eras(block.number)
        self.validators.after_saturn(self)

    def _record_saturn_eras(self, block: int) -> None:
        for name in plans.SATURN_SET_A + plans.SATURN_SET_B:
            previous = next((e for e in self.deployment.eras if e.name == name
                             and e.to_block is None), None)  # fmt: skip
            if previous:
                previous.to_block = block - 1
            self.deployment.eras.append(ContractEra(
                name, self.system.address(name), self.system.artifact_name(name), block,
                release=SATURN_TAG))  # fmt: skip

    # --- the clock ----------------------------------------------------------------------------
    def at(self, timestamp: float, action) -> None:
        heapq.heappush(self.queue, (int(timestamp), next(self.counter), action))

    def run(self) -> SimulationResult:
        started = time.monotonic()
        self.join(self.members)
        self.validators.setup(self)
        self._deposit(self.world.opening_deposit())
        self.mine(self.now())
        start = (self.chain.timestamp // DAY + 1) * DAY
        self.rewards.start(start)
        self.result = SimulationResult(self.seed, self.days, start, self.members, [])
        self._schedule_days(start)
        while self.queue:
            self._run_slot()
        self.result.elapsed_seconds = time.monotonic() - started
        return self.result

    def _schedule_days(self, start: int) -> None:
        events: dict[int, list[ScenarioEvent]] = {}
        for event in self.scenario.events:
            events.setdefault(int(event.day), []).append(event)
        for day in range(self.days):
            day_start = start + day * DAY
            for event in events.get(day, []):
                self.at(day_start, lambda e=event: self._apply(e))
            self.at(day_start + DEPOSIT_HOUR, self._deposit)
            self.at(day_start + ROUND_HOUR, self._open_daily_rounds)
            self._schedule_validator_rounds(day, day_start)
        interval = self.deployment.reward_interval_seconds
        for index in range(self.days * DAY // interval):
            self.at(start + (index + 1) * interval, lambda i=index: self._open_rewards(i))

    def _schedule_validator_rounds(self, day: int, day_start: int) -> None:
        """New minipools at random times; the other validator duties on a fixed rhythm, so
        that every run of a week or more has each duty its era has."""
        rng, rounds = self.validators.rng, self.validators
        for _ in range(rng.choice((0, 1, 1, 2))):
            when = day_start + rng.randrange(DAY // 12) * 12
            self.at(when, lambda: self._open(rounds.new_minipool))
        for hour, (period, phase, opener) in enumerate(VALIDATOR_RHYTHM, start=9):
            if day % period == phase:
                self.at(day_start + hour * 3600, lambda o=opener: self._open(getattr(rounds, o)))

    def _open(self, opener) -> None:
        """Open the round an opener makes, if it makes one today (it may not apply in this era;
        an exit challenge is one member's action, no round)."""
        sim_round = opener(self)
        if sim_round is not None:
            self.result.rounds.append(sim_round)
            self._schedule_votes(sim_round)

    def now(self) -> int:
        """The timestamp the next block will carry: the scheduled time, never before the chain."""
        return max(self.slot_time, self.chain.next_slot())

    def _run_slot(self) -> None:
        slot = self.slot_time = max(self.queue[0][0], self.chain.next_slot())
        while self.queue and self.queue[0][0] <= slot:
            _, _, action = heapq.heappop(self.queue)
            action()
        self.mine(slot)

    def mine(self, timestamp: int | None = None):
        """Mine the pending transactions and record the outcome of every vote among them."""
        block = self.chain.mine(timestamp, self.world.next_base_fee(self.chain.base_fee))
        self._settle(block)
        return block

    def _settle(self, block) -> None:
        mined = set(block.tx_hashes)
        for vote in self.pending:
            if vote.tx_hash not in mined:
                raise RuntimeError(f"vote {vote.tx_hash} was not mined: simulator bug")
            receipt = self.w3.eth.get_transaction_receipt(vote.tx_hash)
            vote.status, vote.block = receipt["status"], block.number
            self.result.votes.append(vote)
        self.pending = []

    def _apply(self, event: ScenarioEvent) -> None:
        from votes.devnet.scenario_actions import apply_event

        apply_event(self, event)

    # --- the world ----------------------------------------------------------------------------
    def _deposit(self, amount: int | None = None) -> None:
        """A staker deposits ETH into the real deposit pool, which mints rETH for it."""
        amount = amount or self.world.next_deposit()
        fund(self.w3, self.staker.address, amount + 10**18)
        self.send_planned([call(self.system, self.staker, "rocketDepositPool", "deposit",
                                gas=1_000_000, value=amount)])  # fmt: skip

    # --- rounds -------------------------------------------------------------------------------
    def _open_daily_rounds(self) -> None:
        """The round's block carries the day's RPL price (the world contract now holds only
        that); the balances are the protocol's at that block, with the beacon chain's state at
        its slot, which the beacon-API server then serves."""
        price = self.world.next_price()
        opened = self.now()
        self.guardian_call("DevnetWorld", self.deployment.world, "setWorld", [0, 0, price])
        block = self.mine(opened)
        self.beacon.next_day(block.timestamp)
        self.beacon.record(block.timestamp)
        total, staking = network_balances(self, block.number)
        supply = self.system.contract("rocketTokenRETH").functions.totalSupply()
        values = {"total_eth": total, "staking_eth": staking, "rpl_price": price,
                  "reth_supply": supply.call(block_identifier=block.number)}  # fmt: skip
        balances = duties.SimRound("balances", opened, block.number, dict(values))
        prices = duties.SimRound("prices", opened, block.number, dict(values))
        self._take_scripted_faults(balances, prices)
        for sim_round in (balances, prices):
            self.result.rounds.append(sim_round)
            self._schedule_votes(sim_round)

    def _take_scripted_faults(self, balances, prices) -> None:
        for fault in self.__dict__.pop("scripted_faults", []):
            target = balances if fault["duty"] == "balances" else prices
            field_name = "total_eth" if fault["duty"] == "balances" else "rpl_price"
            wrong = dict(target.values)
            wrong[field_name] = wrong[field_name] * (1_000_000 + fault["delta_ppm"]) // 1_000_000
            target.wrong[fault["implementation"]] = wrong

    def _open_rewards(self, index: int) -> None:
        sim_round = self.rewards.open(self, index)
        self.result.rounds.append(sim_round)
        self._schedule_votes(sim_round)

    # --- members voting -----------------------------------------------------------------------
    def _schedule_votes(self, sim_round: duties.SimRound) -> None:
        for member in self.members:
            if not member.active or member.offline_until > sim_round.opened_at:
                continue
            delay = vote_delay(self.profiles, member, sim_round.duty, self.rng)
            if delay is None:
                continue
            self.at(sim_round.opened_at + delay, lambda m=member, r=sim_round: self._vote(m, r))

    def _vote(self, member: SimMember, sim_round: duties.SimRound) -> None:
        if not member.active:
            return
        profile = self.profiles.watchtowers[member.watchtower]
        late = duties.is_settled(self.system, sim_round)
        if late and not profile.late_votes:
            return
        values = self._values_for(member, sim_round)
        call_ = duties.vote_call(self.system, sim_round, values)
        tx = {"to": Web3.to_checksum_address(call_.to), "data": call_.data}
        limit = gas_limit(profile, lambda: self._estimate(member, tx))
        if limit is None:
            return
        tx.update(gas=limit, **fee_fields(profile, self.chain.base_fee))
        tx_hash = member.signer.send(self.w3, tx)
        self.pending.append(SentVote(tx_hash, member.address, sim_round.duty, sim_round.round_key,
                                     member.watchtower, member.treegen, late))  # fmt: skip

    def _values_for(self, member: SimMember, sim_round: duties.SimRound) -> dict:
        if sim_round.duty == "rewards":
            return self.rewards.values_for(
                sim_round, member, self.profiles.treegens[member.treegen]
            )
        # faults are scripted per implementation: a member on any of its releases has them
        implementation = self.profiles.watchtowers[member.watchtower].name
        return sim_round.wrong.get(implementation, sim_round.values)

    def _estimate(self, member: SimMember, tx: dict) -> int:
        try:
            return self.w3.eth.estimate_gas({**tx, "from": member.address}, "pending")
        except Exception as error:  # web3 raises several types for a revert
            raise EstimateFailed(str(error)) from error
