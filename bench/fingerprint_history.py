"""A year of oDAO votes written straight into the database in the indexer's shape, for the
fingerprint bench when no simulated year is indexed: a simulated year of the real protocol needs
more memory than this machine has (anvil passed 13 GB at day 175 of 365 on 2026-11-30).

It follows the simulator's rules without a chain, so that the features, and so the classifier's
work, are those of a simulated year: the default profile mix over 15 members with the devnet
keys (declarations verify), a member joining half-way and member 0 leaving at two thirds (the
default scenario), balances and prices rounds every day at 06:00, a scrub every other day and
rewards every 7 days; each member votes on its profile's duties after its finality wait,
polling, task gap and (rewards) tree generation, misses rounds at its fault rate, votes after
consensus only if its profile does, and shapes its transactions with the simulator's fee and
gas rules (votes.devnet.tx_shape) on a walking base fee (votes.devnet.world).
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from votes.devnet.members import SimMember, expand_mix, new_member
from votes.devnet.profiles import load_profiles
from votes.devnet.session import GENESIS_TIMESTAMP
from votes.devnet.simulator import vote_delay
from votes.devnet.tx_shape import fee_fields, gas_limit
from votes.devnet.world import GWEI, StakingWorld
from votes.models import Checkpoint, IndexedBlock, Member, MembershipEvent, Round, Submission

START = datetime.fromtimestamp(GENESIS_TIMESTAMP, UTC)
BLOCK_SECONDS = 12
GAS_USED = {"balances": 112_000, "prices": 91_000, "scrub": 68_000, "rewards": 260_000}
CALLDATA = {"balances": 164, "prices": 100, "scrub": 4, "rewards": 580}


@dataclass
class PlannedVote:
    at: datetime
    member: SimMember
    sim_round: Round
    late: bool


def block_of(at: datetime) -> int:
    return int((at - START).total_seconds()) // BLOCK_SECONDS + 1


class SyntheticYear:
    """Build with `write()`; `truth` then describes the members as the simulator's does."""

    def __init__(self, network: str, days: int = 365, members: int = 15, seed: int = 1):
        self.network, self.days, self.seed = network, days, seed
        self.profiles = load_profiles()
        self.rng = random.Random(f"{seed}-synthetic")
        mix = self.profiles.default_mix
        towers = expand_mix(mix["watchtowers"], members + 1, self.rng)
        treegens = expand_mix(mix["treegens"], members + 1, self.rng)
        self.sim_members = [new_member(seed, i, towers[i], treegens[i]) for i in range(members + 1)]
        self.joins = {m.index: START for m in self.sim_members[:members]}
        self.joins[members] = START + timedelta(days=days // 2)
        self.leaves = {0: START + timedelta(days=2 * days // 3)}

    def write(self) -> dict:
        """Store the year; returns the ground truth (for declarations)."""
        rows = Member.objects.bulk_create([
            Member(network=self.network, address=m.address, member_id=m.member_id, url=m.url,
                   joined_at=self.joins[m.index], joined_block=block_of(self.joins[m.index]))
            for m in self.sim_members
        ])  # fmt: skip
        self.ids = {m.index: row for m, row in zip(self.sim_members, rows, strict=True)}
        self._membership_events()
        rounds = Round.objects.bulk_create(self._rounds())
        votes = sorted((v for r in rounds for v in self._votes(r)), key=lambda v: v.at)
        submissions = self._submissions(votes)
        Submission.objects.bulk_create(submissions, batch_size=2000)
        blocks = sorted({s.block_number: s.block_time for s in submissions}.items())
        IndexedBlock.objects.bulk_create([
            IndexedBlock(network=self.network, number=number, hash=self._hex(64),
                         timestamp=int(at.timestamp())) for number, at in blocks
        ], batch_size=2000)  # fmt: skip
        Checkpoint.objects.create(network=self.network, block_number=blocks[-1][0],
                                  block_hash=self._hex(64))  # fmt: skip
        return {"seed": self.seed, "days": self.days, "members": [
            {"index": m.index, "address": m.address, "watchtower": m.watchtower,
             "treegen": m.treegen, "joined_at": int(self.joins[m.index].timestamp())}
            for m in self.sim_members
        ]}  # fmt: skip

    def _membership_events(self) -> None:
        events = [(at, m, "joined") for m, at in self.joins.items()]
        events += [(at, m, "left") for m, at in self.leaves.items()]
        MembershipEvent.objects.bulk_create([
            MembershipEvent(network=self.network, member=self.ids[m], kind=kind,
                            block_number=block_of(at), log_index=m, tx_hash=self._hex(64),
                            timestamp=at) for at, m, kind in events
        ])  # fmt: skip

    def _rounds(self) -> list[Round]:
        rounds = []
        for day in range(self.days):
            morning = START + timedelta(days=day, hours=6)
            opened = [("balances", morning), ("prices", morning)]
            if day % 2:
                opened.append(("scrub", morning + timedelta(hours=self.rng.randint(1, 15))))
            if day % 7 == 6:
                opened.append(("rewards", morning + timedelta(hours=3)))
            for duty, at in opened:
                key = str(day // 7) if duty == "rewards" else str(block_of(at))
                block = block_of(at)
                rounds.append(Round(network=self.network, duty=duty, key=key, opened_at=at,
                                    key_block=block, first_seen_block=block))  # fmt: skip
        return rounds

    def _votes(self, sim_round: Round) -> list[PlannedVote]:
        """The members' votes on one round, in time order; consensus at a majority."""
        planned = []
        for member in self._active(sim_round.opened_at):
            delay = vote_delay(self.profiles, member, sim_round.duty, self.rng)
            if delay is None:
                continue
            planned.append((sim_round.opened_at + timedelta(seconds=delay), member))
        planned.sort(key=lambda vote: vote[0])
        majority = len(self._active(sim_round.opened_at)) // 2 + 1
        return [PlannedVote(at, member, sim_round, position > majority)
                for position, (at, member) in enumerate(planned, start=1)
                if position <= majority
                or self.profiles.watchtowers[member.watchtower].late_votes]  # fmt: skip

    def _submissions(self, votes: list[PlannedVote]) -> list[Submission]:
        world, base_fee, nonces = StakingWorld(self.rng), 10 * GWEI, {}
        rows = []
        for vote in votes:
            base_fee = world.next_base_fee(base_fee)
            profile = self.profiles.watchtowers[vote.member.watchtower]
            used = int(GAS_USED[vote.sim_round.duty] * self.rng.uniform(0.98, 1.02))
            fees = fee_fields(profile, base_fee)
            tip = fees.get("maxPriorityFeePerGas")
            fee_cap = fees.get("maxFeePerGas", fees.get("gasPrice"))
            nonce = nonces[vote.member.index] = nonces.get(vote.member.index, -1) + 1
            rows.append(Submission(
                network=self.network, round=vote.sim_round, member=self.ids[vote.member.index],
                values={"synthetic": True}, submission_key=self._hex(64),
                contract_address=self._hex(40), event_era="v1.3.1", tx_hash=self._hex(64),
                log_index=0, tx_index=len(rows) % 50, block_number=block_of(vote.at),
                block_hash=self._hex(64), block_time=vote.at, tx_type=profile.tx_type,
                nonce=nonce, gas_limit=gas_limit(profile, lambda used=used: used), gas_used=used,
                max_fee=fees.get("maxFeePerGas"), priority_fee=tip,
                gas_price=fees.get("gasPrice"),
                effective_gas_price=min(fee_cap, base_fee + (tip or fee_cap)), base_fee=base_fee,
                calldata_size=CALLDATA[vote.sim_round.duty],
                delay_seconds=int((vote.at - vote.sim_round.opened_at).total_seconds()),
                agrees_with_consensus=True, late=vote.late,
            ))  # fmt: skip
        return rows

    def _active(self, at: datetime) -> list[SimMember]:
        return [m for m in self.sim_members
                if self.joins[m.index] <= at and (m.index not in self.leaves
                                                  or at < self.leaves[m.index])]  # fmt: skip

    def _hex(self, digits: int) -> str:
        return f"0x{self.rng.getrandbits(digits * 4):0{digits}x}"
