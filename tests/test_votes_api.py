"""The chain-side REST API on a year of synthetic oDAO history (15 members, daily balances and
prices rounds): pagination, filters, wei amounts as strings, a fixed number of queries per
list whatever its size, read-only, and a schema that generates without warnings."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from votes.api import register_routes
from votes.models import Consensus, Member, OnChainUpdate, Round, Submission

pytestmark = pytest.mark.django_db
NETWORK = "devnet"
MEMBERS = 15
DAYS = 365
BLOCKS_PER_DAY = 7200
START = datetime(2025, 1, 1, 6, tzinfo=UTC)
GWEI = 10**9
# Over 2**53 and not a multiple of 2**8: a JSON number (a double) could not hold it exactly. It
# has 15 significant digits, all that Django's SQLite backend keeps of a DecimalField.
HUGE_FEE = 1_234_567_890_123_450_000
LEAVER = 14  # member index that leaves half-way
DISSENTER = 3  # member index whose prices always differ
PENDING_DAYS = {364}  # the last day: no consensus yet
MISMATCH_DAYS = {100}
FIRST_SEEN = {"balances": 60, "prices": 90}  # blocks after the round's block


@dataclass
class Year:
    members: list[Member]
    rounds: list[Round]


def address(index: int) -> str:
    return "0x" + f"{index + 1:040x}"


def make_members() -> list[Member]:
    members = [
        Member(network=NETWORK, address=address(i), member_id=f"odao-{i:02d}",
               url=f"https://m{i}.example.org", joined_block=1, joined_at=START)
        for i in range(MEMBERS)
    ]  # fmt: skip
    members[LEAVER].left_block = DAYS // 2 * BLOCKS_PER_DAY
    members[LEAVER].left_at = START + timedelta(days=DAYS // 2)
    return Member.objects.bulk_create(members)


def make_rounds() -> list[Round]:
    rounds = []
    for day in range(DAYS):
        block = (day + 1) * BLOCKS_PER_DAY
        for duty in ("balances", "prices"):
            rounds.append(Round(network=NETWORK, duty=duty, key=str(block), key_block=block,
                                opened_at=START + timedelta(days=day),
                                first_seen_block=block + FIRST_SEEN[duty]))  # fmt: skip
    return Round.objects.bulk_create(rounds)


def voters(sim_round: Round, members: list[Member]) -> list[Member]:
    left = members[LEAVER].left_block
    return [m for m in members if m.left_block is None or sim_round.key_block < left]


def make_submissions(rounds: list[Round], members: list[Member]) -> list[Submission]:
    rows = []
    for sim_round in rounds:
        for position, member in enumerate(voters(sim_round, members)):
            dissent = sim_round.duty == "prices" and member.address == address(DISSENTER)
            block = sim_round.first_seen_block + position
            rows.append(Submission(
                network=NETWORK, round=sim_round, member=member,
                values={"block": sim_round.key, "rpl_price": str(7 * 10**15 + dissent)},
                submission_key=f"0x{'de' if dissent else 'ab'}{sim_round.key:>062}",
                contract_address=address(99), event_era="v1.3",
                tx_hash=f"0x{sim_round.id:032x}{position:032x}", log_index=0, tx_index=0,
                block_number=block, block_hash=f"0x{block:064x}",
                block_time=sim_round.opened_at + timedelta(minutes=15 + position),
                tx_type=2, nonce=sim_round.id, gas_limit=150_000, gas_used=100_000,
                max_fee=Decimal(50 * GWEI), priority_fee=Decimal(3 * GWEI), gas_price=None,
                effective_gas_price=Decimal(HUGE_FEE if position == 0 else 12 * GWEI),
                base_fee=Decimal(9 * GWEI), calldata_size=100, delay_seconds=900 + 60 * position,
                agrees_with_consensus=not dissent, late=position >= 9,
            ))  # fmt: skip
    return Submission.objects.bulk_create(rows, batch_size=2000)


def make_outcomes(rounds: list[Round], submissions: list[Submission]) -> None:
    by_round: dict[int, list[Submission]] = {}
    for submission in submissions:
        by_round.setdefault(submission.round_id, []).append(submission)
    updates, outcomes = [], []
    for day_round in rounds:
        day = (day_round.key_block // BLOCKS_PER_DAY) - 1
        if day in PENDING_DAYS:
            outcomes.append(Consensus(round=day_round, status="pending"))
            continue
        crossing = by_round[day_round.id][7]
        update = OnChainUpdate(network=NETWORK, round=day_round, values=crossing.values,
                               submission_key=crossing.submission_key, tx_hash=crossing.tx_hash,
                               log_index=1, block_number=crossing.block_number)  # fmt: skip
        updates.append(update)
        outcomes.append(Consensus(
            round=day_round, status="mismatch" if day in MISMATCH_DAYS else "reached",
            submission_key=crossing.submission_key, values=crossing.values,
            crossing_submission=crossing, vote_count=8, member_count=15,
            block_number=crossing.block_number, onchain_update=update,
            dissent_count=int(day_round.duty == "prices"),
        ))  # fmt: skip
    OnChainUpdate.objects.bulk_create(updates)
    Consensus.objects.bulk_create(outcomes)


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker) -> Year:
    with django_db_blocker.unblock():
        members = make_members()
        rounds = make_rounds()
        make_outcomes(rounds, make_submissions(rounds, members))
        yield Year(members, rounds)
        Consensus.objects.filter(round__network=NETWORK).delete()
        for model in (Submission, OnChainUpdate, Round, Member):
            model.objects.filter(network=NETWORK).delete()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def get(api: APIClient, path: str, **params) -> dict:
    response = api.get(f"/api/{path}/", params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def every(api: APIClient, path: str, **params) -> list[dict]:
    """All results of a list, following the pages."""
    results, page = [], 1
    while True:
        body = get(api, path, page=page, page_size=500, **params)
        results += body["results"]
        if body["next"] is None:
            return results
        page += 1


# --- pagination and shapes -----------------------------------------------------------------------


def test_lists_are_paginated(year, api):
    body = get(api, "submissions")
    assert body["count"] == Submission.objects.count() > 10_000
    assert len(body["results"]) == 50 and body["next"] and body["previous"] is None


def test_a_page_is_at_most_500_long(year, api):
    assert len(get(api, "submissions", page_size=100_000)["results"]) == 500


def test_wei_amounts_are_strings(year, api):
    first = get(api, "submissions")["results"][0]
    assert first["effective_gas_price"] == str(HUGE_FEE)
    assert (first["max_fee"], first["priority_fee"], first["base_fee"]) == (
        str(50 * GWEI), str(3 * GWEI), str(9 * GWEI))  # fmt: skip
    assert first["gas_price"] is None and first["gas_used"] == 100_000


def test_a_submission_points_to_its_round_and_member(year, api):
    first = get(api, "submissions")["results"][0]
    assert first["member"] == {"id": year.members[0].id, "address": address(0),
                               "member_id": "odao-00"}  # fmt: skip
    assert first["round"]["duty"] == "balances" and first["round"]["key"] == str(BLOCKS_PER_DAY)
    assert first["values"]["rpl_price"] == str(7 * 10**15)


def test_a_round_carries_its_consensus_and_counts(year, api):
    body = get(api, f"rounds/{year.rounds[1].id}")
    assert (body["duty"], body["submission_count"], body["late_count"]) == ("prices", 15, 6)
    outcome = body["consensus"]
    assert outcome["status"] == "reached" and outcome["threshold"] == str(51 * 10**16)
    assert outcome["crossing_submission"]["tx_hash"] == outcome["onchain_update"]["tx_hash"]
    assert outcome["crossing_submission"]["member"]["address"] == address(7)
    assert outcome["dissent_count"] == 1


def test_a_pending_round_has_no_crossing_vote(year, api):
    (pending, *_) = get(api, "rounds", status="pending")["results"]
    assert pending["consensus"]["crossing_submission"] is None
    assert pending["consensus"]["onchain_update"] is None


def test_rounds_are_newest_first(year, api):
    blocks = [r["first_seen_block"] for r in get(api, "rounds")["results"]]
    assert blocks == sorted(blocks, reverse=True)


def test_members_show_activity_and_submission_counts(year, api):
    members = {m["member_id"]: m for m in get(api, "members")["results"]}
    assert len(members) == MEMBERS
    assert members["odao-00"]["active"] and members["odao-00"]["submission_count"] == 2 * DAYS
    leaver = members[f"odao-{LEAVER}"]
    assert not leaver["active"] and leaver["submission_count"] < 2 * DAYS


def test_the_api_is_read_only(year, api):
    assert api.post("/api/submissions/", {}).status_code == 405
    assert api.delete(f"/api/rounds/{year.rounds[0].id}/").status_code == 405
    assert api.get("/api/members/0/").status_code == 404


# --- filters -------------------------------------------------------------------------------------

DISSENTER_TYPED = address(DISSENTER).upper().replace("0X", "0x")
WINDOW = (50 * BLOCKS_PER_DAY, 52 * BLOCKS_PER_DAY)
ROUND_KEY = str(10 * BLOCKS_PER_DAY)
# (query string, the same filter in the ORM, what every result must satisfy)
SUBMISSION_FILTERS = {
    "duty": ({"duty": "prices"}, {"round__duty": "prices"},
             lambda s: s["round"]["duty"] == "prices"),
    "late": ({"late": "true"}, {"late": True}, lambda s: s["late"]),
    "dissent": ({"agrees_with_consensus": "false"}, {"agrees_with_consensus": False},
                lambda s: s["agrees_with_consensus"] is False),
    "member_address": ({"member_address": DISSENTER_TYPED}, {"member__address": address(DISSENTER)},
                       lambda s: s["member"]["address"] == address(DISSENTER)),
    "blocks": ({"from_block": WINDOW[0], "to_block": WINDOW[1]},
               {"block_number__range": WINDOW},
               lambda s: WINDOW[0] <= s["block_number"] <= WINDOW[1]),
    "round_key": ({"round_key": ROUND_KEY, "duty": "balances"},
                  {"round__key": ROUND_KEY, "round__duty": "balances"},
                  lambda s: (s["round"]["key"], s["round"]["duty"]) == (ROUND_KEY, "balances")),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SUBMISSION_FILTERS))
def test_submission_filters(year, api, name):
    params, orm, holds = SUBMISSION_FILTERS[name]
    body = get(api, "submissions", page_size=500, **params)
    assert body["count"] == Submission.objects.filter(**orm).count() > 0
    assert all(holds(s) for s in body["results"])


def test_submissions_filter_by_member_and_round(year, api):
    member, sim_round = year.members[2], year.rounds[5]
    results = every(api, "submissions", member=member.id, round=sim_round.id)
    assert [(s["member"]["id"], s["round"]["id"]) for s in results] == [(member.id, sim_round.id)]


def test_rounds_filter_by_duty_status_and_blocks(year, api):
    assert get(api, "rounds", duty="prices")["count"] == DAYS
    assert get(api, "rounds", duty=["prices", "balances"])["count"] == 2 * DAYS
    assert get(api, "rounds", status="mismatch")["count"] == 2 * len(MISMATCH_DAYS)
    window = get(api, "rounds", from_block=BLOCKS_PER_DAY, to_block=3 * BLOCKS_PER_DAY + 90)
    assert window["count"] == 6


def test_consensus_filters(year, api):
    mismatches = every(api, "consensus", status="mismatch", duty="balances")
    assert len(mismatches) == 1 and mismatches[0]["round"]["duty"] == "balances"
    assert get(api, "consensus", network="mainnet")["count"] == 0
    assert get(api, "consensus", network=NETWORK)["count"] == 2 * DAYS


def test_members_filter_by_activity(year, api):
    assert get(api, "members", active="false")["count"] == 1
    assert get(api, "members", active="true")["count"] == MEMBERS - 1
    assert (
        get(api, "members", address=address(4).upper().replace("0X", "0x"))["results"][0][
            "member_id"
        ]
        == "odao-04"
    )


def test_an_unknown_duty_is_a_400(year, api):
    assert api.get("/api/submissions/", {"duty": "nonsense"}).status_code == 400


# --- cost ----------------------------------------------------------------------------------------

LISTS = ["members", "rounds", "submissions", "consensus"]


@pytest.mark.parametrize("path", LISTS)
def test_a_full_page_costs_a_fixed_number_of_queries(
    year, api, path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # the page's two, and the state version to key it by
        get(api, path, page_size=500)


@pytest.mark.parametrize("path", LISTS)
def test_a_full_page_of_a_year_is_fast(year, api, path):
    started = time.monotonic()
    get(api, path, page_size=500, page=1)
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("path", LISTS)
def test_a_detail_costs_one_query(year, api, path, django_assert_max_num_queries):
    first = get(api, path)["results"][0]
    with django_assert_max_num_queries(1):
        get(api, f"{path}/{first['id']}")


# --- schema --------------------------------------------------------------------------------------


def test_the_schema_of_these_views_generates_without_warnings():
    router = DefaultRouter()
    register_routes(router)
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=router.urls).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    assert {"/members/", "/rounds/", "/submissions/", "/consensus/"} <= set(schema["paths"])


def test_the_api_schema_page_lists_these_views(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/members/", "/api/rounds/{id}/", "/api/submissions/", "/api/consensus/"} <= set(
        paths
    )


# --- admin ---------------------------------------------------------------------------------------

ADMIN_MODELS = [
    "member", "membershipevent", "round", "submission", "consensus", "onchainupdate",
    "undecodablelog", "contractaddress", "minipool", "checkpoint", "indexedblock",
]  # fmt: skip


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_the_admin_lists_chain_data(year, admin_client, model, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert admin_client.get(f"/admin/votes/{model}/").status_code == 200


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_the_admin_does_not_add_chain_data(admin_client, model):
    assert admin_client.get(f"/admin/votes/{model}/add/").status_code == 403


def test_the_admin_shows_a_submission_read_only(year, admin_client):
    submission = Submission.objects.first()
    page = admin_client.get(f"/admin/votes/submission/{submission.id}/change/")
    assert page.status_code == 200
    assert submission.tx_hash in page.content.decode() and b'name="_save"' not in page.content
