"""Vote rules on hand-made rounds: disagreement, wrong or late consensus, missed rounds."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from diversity.alerts import vote_rules
from diversity.alerts.models import Rule
from diversity.alerts.rules import RULES
from diversity.alerts.situation import Situation
from diversity.models import Verdict
from votes.models import Consensus, Member, Round, Submission

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 6, tzinfo=UTC)
RIGHT = {"total_eth": "1000", "staking_eth": "900", "reth_supply": "950"}
WRONG = {**RIGHT, "total_eth": "1020"}
SERIAL = count(1)


def params(rule):
    return RULES[rule].defaults


def member(name: str) -> Member:
    address = "0x" + f"{next(SERIAL):040x}"
    return Member.objects.create(
        network="devnet", address=address, member_id=name, joined_at=T0 - timedelta(days=30)
    )


def balances_round(day: int, votes: dict, reached: bool = True, late=()) -> Round:
    """A balances round opened on `day`; votes: member -> values; consensus on RIGHT."""
    opened = T0 + timedelta(days=day)
    sim_round = Round.objects.create(
        network="devnet",
        duty="balances",
        key=str(1000 + day),
        key_block=1000 + day,
        opened_at=opened,
        first_seen_block=1000 + day,
    )
    submissions = []
    for minute, (voter, values) in enumerate(votes.items(), start=10):
        submissions.append(
            Submission.objects.create(
                network="devnet",
                round=sim_round,
                member=voter,
                values=values,
                submission_key="0x" + ("ab" if values == RIGHT else "cd") * 32,
                contract_address="0x" + "11" * 20,
                event_era="v1.3",
                tx_hash=f"0x{next(SERIAL):064x}",
                log_index=0,
                tx_index=0,
                block_number=2000 + next(SERIAL),
                block_hash="0x" + "00" * 32,
                block_time=opened + timedelta(minutes=minute),
                tx_type=2,
                nonce=1,
                gas_limit=1,
                gas_used=1,
                effective_gas_price=1,
                calldata_size=100,
                agrees_with_consensus=(values == RIGHT) if reached else None,
                late=voter in late,
            )
        )
    if reached:
        crossing = next(s for s in submissions if s.values == RIGHT)
        Consensus.objects.create(
            round=sim_round,
            status=Consensus.Status.REACHED,
            values=RIGHT,
            crossing_submission=crossing,
            block_number=crossing.block_number,
        )
    return sim_round


def at(day: int, hours: float = 12) -> Situation:
    return Situation(network="devnet", now=T0 + timedelta(days=day, hours=hours))


@pytest.fixture
def oracle():
    members = {name: member(name) for name in ("a1", "a2", "a3", "p1", "p2")}
    software = {
        m.address: ("pywatch" if n.startswith("p") else "smartnode") for n, m in members.items()
    }

    def implementation_of(address, kind, when):
        return software[address]

    return members, implementation_of


def test_member_disagrees_until_it_votes_with_consensus_again(oracle):
    m, _ = oracle
    balances_round(0, {m["a1"]: RIGHT, m["a2"]: RIGHT, m["p1"]: WRONG})
    (found,) = vote_rules.member_disagrees(at(0), params(Rule.MEMBER_DISAGREES))
    assert found.key == f"member_disagrees:balances:{m['p1'].address}"
    assert "total_eth 1020 where consensus has 1000" in found.message and "p1" in found.title
    balances_round(1, {m["a1"]: RIGHT, m["p1"]: RIGHT})
    assert vote_rules.member_disagrees(at(1), params(Rule.MEMBER_DISAGREES)) == []
    assert len(vote_rules.member_disagrees(at(0), params(Rule.MEMBER_DISAGREES))) == 1, "replay"


def test_every_member_of_an_implementation_against_consensus(oracle):
    m, implementation_of = oracle
    sim_round = balances_round(
        0, {m["a1"]: RIGHT, m["a2"]: RIGHT, m["a3"]: RIGHT, m["p1"]: WRONG, m["p2"]: WRONG}
    )
    Verdict.objects.create(
        round=sim_round,
        outcome="agrees",
        reference_values=RIGHT,
        consensus_values=RIGHT,
        source="devnet world",
    )
    situation = at(0)
    situation.implementation_of = implementation_of
    (found,) = vote_rules.implementation_disagrees(situation, params(Rule.IMPLEMENTATION_DISAGREES))
    assert found.key == "implementation_disagrees:balances:watchtower:pywatch"
    assert (
        "p1" in found.message and "p2" in found.message and "balances round 1000" in found.message
    )
    assert "total_eth: submitted 1020, consensus 1000, reference 1000." in found.message


def test_one_member_voting_right_clears_its_implementation(oracle):
    m, implementation_of = oracle
    balances_round(0, {m["a1"]: RIGHT, m["a2"]: RIGHT, m["p1"]: WRONG, m["p2"]: RIGHT})
    situation = at(0)
    situation.implementation_of = implementation_of
    assert (
        vote_rules.implementation_disagrees(situation, params(Rule.IMPLEMENTATION_DISAGREES)) == []
    )


def test_without_implementations_the_rule_cannot_judge(oracle):
    assert vote_rules.implementation_disagrees(at(0), params(Rule.IMPLEMENTATION_DISAGREES)) is None


def test_consensus_against_the_reference(oracle):
    m, _ = oracle
    wrong_round = balances_round(0, {m["a1"]: RIGHT, m["a2"]: RIGHT})
    Verdict.objects.create(
        round=wrong_round,
        outcome="disagrees",
        reference_values=WRONG,
        consensus_values=RIGHT,
        source="beacon",
    )
    (found,) = vote_rules.consensus_wrong(at(0), params(Rule.CONSENSUS_WRONG))
    assert found.severity == "emergency" and found.key == "consensus_wrong:balances"
    assert "total_eth: consensus 1000, reference 1020." in found.message
    right_round = balances_round(1, {m["a1"]: RIGHT, m["a2"]: RIGHT})
    Verdict.objects.create(
        round=right_round,
        outcome="agrees",
        reference_values=RIGHT,
        consensus_values=RIGHT,
        source="beacon",
    )
    assert vote_rules.consensus_wrong(at(1), params(Rule.CONSENSUS_WRONG)) == []


def test_a_round_without_consensus_for_too_long(oracle):
    m, _ = oracle
    balances_round(0, {m["a1"]: RIGHT, m["p1"]: WRONG}, reached=False)
    rule = params(Rule.CONSENSUS_LATE)
    assert vote_rules.consensus_late(at(0, hours=0.5), rule) == [], "30 minutes: not late yet"
    (late,) = vote_rules.consensus_late(at(0, hours=1.5), rule)
    assert late.key == "consensus_late:balances:1000" and late.details["votes"] == 2
    assert "90 minutes" in late.title
    balances_round(1, {m["a1"]: RIGHT, m["a2"]: RIGHT})
    assert vote_rules.consensus_late(at(1), rule) == [], "a newer round reached consensus"


def test_missed_rounds_in_a_row(oracle):
    m, _ = oracle
    everyone_but_p1 = {v: RIGHT for k, v in m.items() if k != "p1"}
    for day in range(3):  # consensus, and a late vote: a silent member had time to vote
        balances_round(day, everyone_but_p1, late={m["p2"]})
    rule = {**params(Rule.MISSED_ROUNDS), "duties": ["balances"]}
    (missed,) = vote_rules.missed_rounds(at(2, hours=3), rule)
    assert missed.key == f"missed_rounds:balances:{m['p1'].address}"
    assert missed.details["rounds"] == ["1002", "1001", "1000"]
    assert vote_rules.missed_rounds(at(2, hours=1), rule) == [], "the newest round is too young"


def test_silence_after_consensus_without_late_votes_is_excused(oracle):
    m, _ = oracle
    for day in range(3):  # before Houston: nobody can vote after consensus
        balances_round(day, {v: RIGHT for k, v in m.items() if k != "p1"})
    rule = {**params(Rule.MISSED_ROUNDS), "duties": ["balances"]}
    assert vote_rules.missed_rounds(at(3), rule) == []


def test_members_who_left_are_not_chased(oracle):
    m, _ = oracle
    for day in range(3):
        balances_round(day, {v: RIGHT for k, v in m.items() if k != "p1"}, late={m["p2"]})
    m["p1"].left_at = T0 + timedelta(days=2, hours=20)
    m["p1"].save()
    assert (
        vote_rules.missed_rounds(at(3), {**params(Rule.MISSED_ROUNDS), "duties": ["balances"]})
        == []
    )
