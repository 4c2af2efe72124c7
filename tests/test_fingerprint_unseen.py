"""An implementation nobody declared, and a member that switches without saying so.

A 20-day simulation on its own anvil: members 0-3 run ghostwatch (profiles/unseen.json, a
watchtower no shipped profile describes), member 4 runs pywatch and silently switches to
oraclerust on day 10; members 5-7 run known watchtowers and declare them. Ghostwatch must come
out as unknown, never as the nearest known class, and the switch must be flagged.

Why half the oDAO runs ghostwatch: its profile waits 90 minutes and never votes once a round
is settled, so next to a majority of faster members it would never vote at all, and a member
that never votes can't be fingerprinted. With half the members, the others can't settle a round
alone, and the first ghost to vote (each round another) settles it.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from diversity.fingerprint.assignments import CONFIDENT, MIN_EVIDENCE, infer
from diversity.fingerprint.declarations import DeclarationBook
from diversity.fingerprint.evaluate import sign_declaration
from diversity.fingerprint.features import Activity
from diversity.fingerprint.refresh import refresh_assignments
from diversity.fingerprint.shares import UNKNOWN_NAME, ShareBook
from diversity.models import Assignment
from tests.conftest import run_simulation
from tests.test_fingerprint_acceptance import NETWORK, indexed_snapshot, restore
from votes.devnet.profiles import DEFAULT_PROFILES
from votes.models import Member

pytestmark = [pytest.mark.chain, pytest.mark.slow]
DAYS = 20
SWITCH_DAY = 10
TOWERS = ["ghostwatch"] * 4 + ["pywatch", "pywatch", "oraclerust", "smartnode"]
GHOSTS, SWITCHER, DECLARERS = range(4), 4, range(5, 8)


@pytest.fixture(scope="module")
def ghost_devnet(tmp_path_factory):
    scenario = tmp_path_factory.mktemp("scenario") / "ghosts.json"
    scenario.write_text(json.dumps({
        "members": [{"watchtower": tower} for tower in TOWERS],
        "events": [{"day": SWITCH_DAY, "type": "switch", "members": [SWITCHER],
                    "watchtower": "oraclerust"}],
    }))  # fmt: skip
    yield from run_simulation(days=DAYS, members=len(TOWERS), seed=3, scenario=scenario,
                              profiles=DEFAULT_PROFILES.parent / "unseen.json")  # fmt: skip


@pytest.fixture
def ghosts(ghost_devnet, django_db_blocker, db):
    """The indexed simulation with members 3-8 declared; returns the ground truth."""
    _, deployment, _, truth = ghost_devnet
    restore(indexed_snapshot(deployment, django_db_blocker))
    for index in DECLARERS:
        member = truth["members"][index]
        sign_declaration(NETWORK, member, truth["seed"], member["joined_at"])
    return truth


def address(truth, index: int) -> str:
    return truth["members"][index]["address"]


def test_an_unseen_watchtower_is_unknown_not_forced_into_a_known_one(ghosts):
    refresh = refresh_assignments(NETWORK)
    for index in GHOSTS:
        assigned = Assignment.objects.get(as_of=refresh.as_of, kind="watchtower",
                                          member__address=address(ghosts, index))  # fmt: skip
        assert assigned.evidence >= MIN_EVIDENCE["watchtower"]
        assert assigned.source == Assignment.Source.UNKNOWN
        assert assigned.implementation is None and assigned.inferred is None
        assert Assignment.Flag.UNKNOWN_IMPLEMENTATION in assigned.flags
        assert assigned.novelty > 1


def test_an_undeclared_known_watchtower_is_named(ghosts):
    """The switcher before its switch: pywatch, which member 5 declared."""
    refresh_assignments(NETWORK)
    before = datetime.fromtimestamp(ghosts["started_at"], UTC) + timedelta(days=SWITCH_DAY - 1)
    assigned = Assignment.objects.get(as_of=before, kind="watchtower",
                                      member__address=address(ghosts, SWITCHER))  # fmt: skip
    assert assigned.source == Assignment.Source.INFERRED
    assert assigned.inferred.name == "pywatch" and assigned.confidence >= CONFIDENT


def test_unknown_members_count_in_every_upper_bound(ghosts):
    refresh = refresh_assignments(NETWORK)
    shares = ShareBook(NETWORK).shares("watchtower", refresh.as_of)
    rows = {row.implementation: row for row in shares}
    assert rows[UNKNOWN_NAME].members >= len(GHOSTS)
    for name in ("smartnode", "oraclerust", "pywatch", "lighttower"):
        assert rows[name].upper - rows[name].lower >= len(GHOSTS) / rows[name].total - 1e-9


def test_a_silent_switch_is_flagged(ghosts):
    activity = Activity(NETWORK)
    as_of = activity.votes[-1].block_time
    window = as_of - activity.votes[0].block_time
    inferences = infer(activity, as_of, DeclarationBook(NETWORK), "watchtower", window)
    switcher = Member.objects.get(address=address(ghosts, SWITCHER)).id
    assert Assignment.Flag.SILENT_SWITCH in inferences[switcher].flags
    others = [i for member_id, i in inferences.items() if member_id != switcher]
    assert [i.flags for i in others if Assignment.Flag.SILENT_SWITCH in i.flags] == []


def test_declared_members_alone_in_their_implementation_are_not_flagged(ghosts):
    """Nobody else declared what members 5-7 run: unlike the others is expected, not news."""
    activity = Activity(NETWORK)
    inferences = infer(activity, activity.votes[-1].block_time, DeclarationBook(NETWORK),
                       "watchtower")  # fmt: skip
    declared = [i for i in inferences.values() if i.declared]
    assert len(declared) == len(DECLARERS)
    assert [i.flags for i in declared if i.flags] == []
