"""The what-if planner: shares after switches, finalising alone, and the smallest plan."""

import itertools
from fractions import Fraction

import pytest

from diversity.planner import (
    Switch,
    apply_switches,
    cap_under,
    finalises_alone,
    mix,
    smallest_plan,
)

WATCHTOWERS = ["smartnode", "oraclerust", "pywatch", "lighttower"]


def running_of(**counts) -> dict[str, str | None]:
    """m00, m01, ... running the given implementations in order; `unknown=` members run None."""
    names = [name for name, count in counts.items() for _ in range(count)]
    return {f"m{i:02}": (None if name == "unknown" else name) for i, name in enumerate(names)}


def test_contract_rule_for_finalising_alone():
    assert finalises_alone(8, 15)  # 53.3%
    assert not finalises_alone(7, 15)  # 46.7%
    assert not finalises_alone(10, 20)  # 50% blocks but does not finalise
    assert finalises_alone(51, 100)
    assert not finalises_alone(0, 0)


def test_mix_lists_every_known_implementation_largest_first():
    outcome = mix("watchtower", running_of(smartnode=8, pywatch=4, unknown=3), WATCHTOWERS)
    assert [(s.implementation, s.members) for s in outcome.shares] == [
        ("smartnode", 8),
        ("pywatch", 4),
        ("oraclerust", 0),
        ("lighttower", 0),
    ]
    assert outcome.members == 15 and outcome.unknown == 3
    assert outcome.finalising_alone == ["smartnode"]
    assert outcome.with_majority == ["smartnode"]
    assert outcome.shares[1].upper == pytest.approx(7 / 15)
    assert outcome.possibly_finalising_alone == ["smartnode"]


def test_unknown_members_make_finalising_alone_possible():
    outcome = mix("watchtower", running_of(smartnode=6, pywatch=5, unknown=4), WATCHTOWERS)
    assert outcome.finalising_alone == []
    assert outcome.possibly_finalising_alone == ["smartnode", "pywatch"]


def test_apply_switches_moves_only_named_members():
    running = running_of(smartnode=2, pywatch=1)
    after = apply_switches(running, [Switch("m00", "watchtower", "smartnode", "oraclerust")])
    assert after == {"m00": "oraclerust", "m01": "smartnode", "m02": "pywatch"}
    assert running["m00"] == "smartnode"
    with pytest.raises(KeyError):
        apply_switches(running, [Switch("nobody", "watchtower", "smartnode", "pywatch")])


def test_cap_is_strictly_under_the_target():
    assert cap_under(Fraction(1, 2), 15) == 7
    assert cap_under(Fraction(1, 2), 16) == 7  # 8/16 is not under 50%
    assert cap_under(Fraction(33, 100), 15) == 4  # 5/15 = 33.3% is not under 33%
    assert cap_under(Fraction(1, 3), 15) == 4


def test_plan_under_half_moves_just_the_excess():
    running = running_of(smartnode=9, oraclerust=3, pywatch=2, lighttower=1)
    plan = smallest_plan("watchtower", running, WATCHTOWERS, Fraction(1, 2))
    assert plan.feasible and plan.cap == 7
    assert [(s.member, s.to_implementation) for s in plan.switches] == [
        ("m00", "lighttower"),
        ("m01", "pywatch"),
    ]
    assert plan.outcome.largest.members == 7
    assert plan.outcome.with_majority == []


def test_plan_needs_no_switch_when_already_under_target():
    running = running_of(smartnode=6, oraclerust=4, pywatch=3, lighttower=2)
    plan = smallest_plan("watchtower", running, WATCHTOWERS, Fraction(1, 2))
    assert plan.feasible and plan.switches == []


def test_plan_reports_too_few_implementations():
    running = running_of(**{"smartnode-treegen": 8, "treegen-rs": 4, "pytreegen": 3})
    plan = smallest_plan(
        "treegen", running, ["smartnode-treegen", "treegen-rs", "pytreegen"], Fraction(33, 100)
    )
    assert not plan.feasible
    assert plan.cap == 4 and plan.implementations_needed == 4
    assert plan.switches == []


def test_plan_says_whether_unknown_members_could_break_it():
    running = running_of(smartnode=8, oraclerust=2, unknown=5)
    plan = smallest_plan("watchtower", running, WATCHTOWERS, Fraction(1, 2))
    assert plan.feasible and len(plan.switches) == 1
    assert not plan.holds_for_unknown  # 7 + 5 unknown could be 12 of 15
    safe = smallest_plan(
        "watchtower",
        running_of(smartnode=5, oraclerust=5, pywatch=4, unknown=1),
        WATCHTOWERS,
        Fraction(1, 2),
    )
    assert safe.holds_for_unknown


def brute_force_minimum(counts: list[int], cap: int) -> int | None:
    """Fewest single-member moves to bring every count to at most cap, by breadth-first search."""
    start = tuple(counts)
    frontier, seen, depth = {start}, {start}, 0
    while frontier:
        if any(max(state) <= cap for state in frontier):
            return depth
        following = set()
        for state in frontier:
            for a, b in itertools.permutations(range(len(state)), 2):
                if state[a]:
                    moved = list(state)
                    moved[a] -= 1
                    moved[b] += 1
                    following.add(tuple(moved))
        frontier = following - seen
        seen |= frontier
        depth += 1
    return None


@pytest.mark.parametrize("members", [5, 7, 8])
@pytest.mark.parametrize("target", [Fraction(1, 2), Fraction(33, 100), Fraction(1, 4)])
def test_plan_is_minimal_against_brute_force(members, target):
    names = ["a", "b", "c"]
    for counts in itertools.product(range(members + 1), repeat=len(names)):
        if sum(counts) != members:
            continue
        running = running_of(**dict(zip(names, counts, strict=True)))
        plan = smallest_plan("watchtower", running, names, target)
        expected = brute_force_minimum(list(counts), cap_under(target, members))
        if not plan.feasible:
            assert expected is None or cap_under(target, members) * len(names) < members
            continue
        assert len(plan.switches) == expected
        assert all(Fraction(s.members, members) < target for s in plan.outcome.shares)
