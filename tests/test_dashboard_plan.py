"""The what-if planner page: a plain form, CSRF-protected, showing the mix after the switches."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from diversity.models import Assignment, Implementation
from votes.models import Member

WATCHTOWERS = ["smartnode"] * 8 + ["oraclerust"] * 4 + ["pywatch"] * 2 + [None]
TREEGENS = ["smartnode-treegen"] * 6 + ["treegen-rs"] * 5 + ["pytreegen"] * 3 + [None]


@pytest.fixture
def odao(db):
    """Fifteen members: smartnode's watchtower at 8 of 15 (it finalises alone), one unknown.
    Nothing is indexed, so "now" is the wall clock; the assignments are an hour old."""
    as_of = timezone.now() - timedelta(hours=1)
    cache.clear()  # the pages cache what they derive from these rows
    implementations = {}
    for kind, names in (("watchtower", WATCHTOWERS), ("treegen", TREEGENS)):
        for name in sorted(
            {n for n in names if n} | ({"lighttower"} if kind == "watchtower" else set())
        ):
            implementations[name] = Implementation.objects.create(
                kind=kind, name=name, source="test"
            )
    members = []
    for index, (watchtower, treegen) in enumerate(zip(WATCHTOWERS, TREEGENS, strict=True)):
        member = Member.objects.create(
            network="devnet", address=f"0x{index:040x}", member_id=f"m{index:02}"
        )
        members.append(member)
        for kind, name in (("watchtower", watchtower), ("treegen", treegen)):
            Assignment.objects.create(
                network="devnet",
                member=member,
                kind=kind,
                as_of=as_of,
                window_days=7,
                implementation=implementations.get(name),
                inferred=implementations.get(name),
                source="inferred" if name else "unknown",
                confidence=0.95 if name else 0.0,
                inferred_probability=0.95 if name else None,
                evidence=10,
            )
    return members


def test_form_lists_every_member_and_the_known_implementations(client, odao):
    response = client.get("/plan/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    for member in odao:
        assert f'name="watchtower-{member.pk}"' in html
    choices = dict(response.context["form"].fields[f"watchtower-{odao[0].pk}"].choices)
    assert set(choices) == {"", "oraclerust", "pywatch", "lighttower"}  # not its own


def test_switches_show_the_new_mix(client, odao):
    response = client.post("/plan/", {f"watchtower-{odao[0].pk}": "lighttower", "target": "33"})
    assert response.status_code == 200
    watchtower, treegen = response.context["results"]
    assert watchtower["before"].finalising_alone == ["smartnode"]
    assert watchtower["after"].finalising_alone == []
    assert {s.implementation: s.members for s in watchtower["after"].shares}["lighttower"] == 1
    assert treegen["switches"] == []
    assert "no implementation can finalise alone" in response.content.decode()


def test_suggestions_are_the_smallest_plans(client, odao):
    suggestions = client.get("/plan/").context["suggestions"]
    by_goal = {
        (s["plan"].kind, s["plan"].target.numerator * 100 // s["plan"].target.denominator): s[
            "plan"
        ]
        for s in suggestions
    }
    assert len(by_goal[("watchtower", 50)].switches) == 1  # 8 -> 7 of 15
    assert len(by_goal[("watchtower", 33)].switches) == 4  # 8 -> 4, with room in the others
    assert by_goal[("treegen", 50)].switches == []
    assert not by_goal[("treegen", 33)].feasible  # three treegens cannot each stay under 5


def test_a_suggestion_can_be_loaded_into_the_form(client, odao):
    suggestion = next(s for s in client.get("/plan/").context["suggestions"] if s["fields"])
    response = client.post("/plan/", dict(suggestion["fields"], target="33"))
    kinds = {r["kind"]: r for r in response.context["results"]}
    assert kinds["watchtower"]["after"].with_majority == []


def test_unknown_choice_and_bad_target_are_errors(client, odao):
    response = client.post("/plan/", {f"watchtower-{odao[0].pk}": "<evil>", "target": "0"})
    assert response.status_code == 200 and response.context["results"] is None
    form = response.context["form"]
    assert f"watchtower-{odao[0].pk}" in form.errors and "target" in form.errors
    assert "<evil>" not in response.content.decode()


def test_posting_without_the_csrf_token_is_refused(odao):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/plan/", {"target": "33"}).status_code == 403


def test_without_implementations_there_is_nothing_to_plan(client, db):
    response = client.get("/plan/")
    assert response.status_code == 200
    assert "No implementations are known yet" in response.content.decode()
