"""The fingerprint API on the indexed 30-day simulation, half the members declared and the
assignments computed once for the module (the rows are put back in each test's transaction)."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from eth_account import Account
from eth_account.messages import encode_defunct

from diversity.fingerprint.evaluate import choose_declared, sign_declaration
from diversity.fingerprint.refresh import refresh_assignments
from diversity.models import Assignment, Declaration, DeclarationRejection, Implementation, Release
from tests.test_fingerprint_acceptance import NETWORK, indexed_snapshot, restore
from votes.devnet.members import member_key

pytestmark = [pytest.mark.chain]
MODELS = [Implementation, Release, Declaration, Assignment]


@pytest.fixture(scope="module")
def fingerprinted(simulated_devnet, django_db_setup, django_db_blocker):
    """Rows of the indexed chain, eight declarations and every day's assignments."""
    _, deployment, _, truth = simulated_devnet
    snapshot = indexed_snapshot(deployment, django_db_blocker)
    with django_db_blocker.unblock():
        restore(snapshot)
        members = [m for m in truth["members"] if m["left_at"] is None]
        for member in choose_declared(members, 0.5):
            sign_declaration(NETWORK, member, truth["seed"], member["joined_at"])
        as_of = refresh_assignments(NETWORK).as_of
        rows = {model: list(model.objects.all()) for model in MODELS}
        call_command("flush", interactive=False, verbosity=0)
    return snapshot, rows, truth, as_of


@pytest.fixture
def api(fingerprinted, db, client):
    snapshot, rows, truth, as_of = fingerprinted
    restore(snapshot)
    restore(rows, MODELS)
    client.truth, client.as_of = truth, as_of
    return client


def test_implementations_come_from_the_profiles(api):
    names = {row["name"] for row in api.get("/api/implementations/?kind=treegen").json()["results"]}
    assert names == {"smartnode-treegen", "treegen-rs", "pytreegen"}


def test_declarations_list_and_filter_by_member(api):
    listed = api.get("/api/declarations/").json()
    assert listed["count"] == 8
    address = listed["results"][0]["member"]
    mine = api.get(f"/api/declarations/?member={address.lower()}").json()["results"]
    assert [row["member"] for row in mine] == [address]


def declaration_for(api, index: int) -> tuple[str, str]:
    """The text the API offers to `index`, signed with its devnet key."""
    member = api.truth["members"][index]
    query = {"member": member["address"], "watchtower": "smartnode@1.19.0",
             "treegen": "pytreegen", "timestamp": member["joined_at"] + 86400}  # fmt: skip
    text = api.get("/api/declarations/message/", query).json()["message"]
    key = member_key(api.truth["seed"], index)
    return text, Account.sign_message(encode_defunct(text=text), key).signature.hex()


def undeclared_index(api) -> int:
    declared = set(Declaration.objects.values_list("member__address", flat=True))
    return next(m["index"] for m in api.truth["members"]
                if m["address"] not in declared and m["left_at"] is None)  # fmt: skip


def test_declaring_through_the_api(api):
    text, signature = declaration_for(api, undeclared_index(api))
    response = api.post("/api/declarations/", {"message": text, "signature": signature},
                        content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["watchtower"] == "smartnode"
    assert response.json()["watchtower_version"] == "1.19.0"


def test_smartnode_sign_message_output_is_accepted_as_is(api):
    text, signature = declaration_for(api, undeclared_index(api))
    body = {"address": "0x...", "msg": text, "sig": "0x" + signature, "version": "1"}
    assert api.post("/api/declarations/", body, content_type="application/json").status_code == 201


def test_a_refused_declaration_says_why(api):
    index = undeclared_index(api)
    text, _ = declaration_for(api, index)
    _, other_signature = declaration_for(api, index + 1 if index < 14 else index - 1)
    response = api.post("/api/declarations/", {"message": text, "signature": other_signature},
                        content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert response.json()["error"] in ("forged", "not_member")
    assert DeclarationRejection.objects.count() == 1


def test_the_message_endpoint_offers_the_next_nonce(api):
    declared = Declaration.objects.first()
    index = next(m["index"] for m in api.truth["members"]
                 if m["address"] == declared.member.address)  # fmt: skip
    text, _ = declaration_for(api, index)
    assert text.endswith(f"nonce={declared.nonce + 1}")
    bad = api.get(
        "/api/declarations/message/", {"member": "0x12", "watchtower": "x", "treegen": "y"}
    )
    assert bad.status_code == 400


def test_current_assignments_one_per_member_and_kind(api):
    page = api.get("/api/assignments/?current=true").json()
    assert page["count"] == 2 * 15
    assert {row["as_of"][:19] for row in page["results"]} == {api.as_of.isoformat()[:19]}
    declared = [row for row in page["results"] if row["source"] == "declared"]
    assert len(declared) == 2 * 8 and all(row["confidence"] == 1.0 for row in declared)


def test_assignments_are_paginated_and_filterable(api):
    page = api.get("/api/assignments/").json()
    assert page["count"] > 50 and len(page["results"]) == 50 and page["next"]
    flagged = api.get("/api/assignments/?flag=insufficient_data").json()["results"]
    assert flagged and all("insufficient_data" in row["flags"] for row in flagged)
    member = page["results"][0]["member"]
    rows = api.get(f"/api/assignments/?member={member}&kind=treegen").json()["results"]
    assert {(row["member"], row["kind"]) for row in rows} == {(member, "treegen")}


def test_current_shares_have_ordered_bounds(api):
    shares = api.get("/api/shares/").json()
    assert shares["at"][:19] == api.as_of.isoformat()[:19]
    for kind in ("watchtower", "treegen"):
        assert all(r["lower"] <= r["share"] <= r["upper"] for r in shares[kind])


def test_shares_at_an_earlier_time(api):
    early = datetime.fromtimestamp(api.truth["started_at"] + 3 * 86400, UTC)
    for at in (early.isoformat(), str(int(early.timestamp()))):
        shares = api.get("/api/shares/", {"at": at}).json()
        assert shares["at"][:19] == early.isoformat()[:19]
        assert sum(r["members"] for r in shares["watchtower"]) == 15
    assert api.get("/api/shares/?at=yesterday").status_code == 400


def test_share_series_as_json_and_csv(api):
    rows = api.get("/api/shares/series/?kind=watchtower").json()
    assert {row["kind"] for row in rows} == {"watchtower"}
    assert len({row["at"] for row in rows}) >= 29
    response = api.get("/api/shares/series/?kind=watchtower&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(table) == len(rows)
    assert set(table[0]) >= {"at", "implementation", "share", "lower", "upper"}


def test_the_openapi_schema_describes_the_fingerprint_routes(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for route in ("/api/implementations/", "/api/declarations/", "/api/assignments/",
                  "/api/shares/", "/api/shares/series/"):  # fmt: skip
        assert route in schema["paths"]
