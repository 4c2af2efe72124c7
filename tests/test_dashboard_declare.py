"""The declare page: build the line to sign, post it signed, see the verifier's verdict."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from eth_account import Account
from eth_account.messages import encode_defunct

from diversity.models import Declaration
from votes.models import Member, MembershipEvent

KEY = Account.create()
OTHER = Account.create()


@pytest.fixture
def member(db):
    """An oDAO member since yesterday, whose key the test holds."""
    joined = datetime.now(UTC) - timedelta(days=1)
    member = Member.objects.create(
        network="devnet",
        address=KEY.address,
        member_id="odao-test",
        joined_at=joined,
        joined_block=1,
    )
    MembershipEvent.objects.create(
        network="devnet",
        member=member,
        kind="joined",
        block_number=1,
        log_index=0,
        tx_hash="0x" + "1" * 64,
        timestamp=joined,
    )
    return member


def line_to_sign(client, address=KEY.address, watchtower="smartnode@1.19.0", treegen="treegen-rs"):
    query = {"member": address, "watchtower": watchtower, "treegen": treegen}
    return client.get("/declare/", query).context["to_sign"]


def signed(message: str, account=KEY) -> str:
    return account.sign_message(encode_defunct(text=message)).signature.hex()


def test_the_builder_gives_the_exact_line_with_the_next_nonce(client, member):
    line = line_to_sign(client, KEY.address.lower())
    assert line.startswith(
        f"towerwatch declaration v1; network=devnet; member={KEY.address}; "
        "watchtower=smartnode@1.19.0; treegen=treegen-rs; timestamp="
    )
    assert line.endswith("; nonce=1")


def test_the_builder_explains_bad_names(client, db):
    response = client.get(
        "/declare/", {"member": KEY.address, "watchtower": "Smart Node", "treegen": "treegen-rs"}
    )
    assert response.context["to_sign"] == "" and "lowercase" in response.context["builder_error"]
    bad = client.get("/declare/", {"member": "0x12", "watchtower": "a", "treegen": "b"})
    assert "member" in bad.context["builder"].errors


def test_a_signed_declaration_is_recorded(client, member):
    line = line_to_sign(client)
    response = client.post("/declare/", {"message": line, "signature": signed(line)})
    assert response.status_code == 200
    assert "Declaration recorded" in response.content.decode()
    declaration = Declaration.objects.get(member=member)
    assert (declaration.watchtower.name, declaration.treegen.name) == ("smartnode", "treegen-rs")
    assert line_to_sign(client).endswith("; nonce=2")


def test_the_smartnode_json_can_be_pasted_whole(client, member):
    line = line_to_sign(client)
    pasted = json.dumps({"address": KEY.address, "msg": line, "sig": signed(line)})
    response = client.post("/declare/", {"message": pasted, "signature": ""})
    assert response.status_code == 200 and Declaration.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda line: (line, signed(line, OTHER)), "not made by the member named in the message"),
        (lambda line: (line.replace("devnet", "mainnet"), signed(line)), "for another network"),
        (lambda line: ("hello", signed("hello")), "not a towerwatch declaration"),
        (lambda line: (line, "0x" + "00" * 65), "not a valid secp256k1 signature"),
    ],
)
def test_refusals_say_why_and_store_nothing(client, member, mangle, reason):
    message, signature = mangle(line_to_sign(client))
    response = client.post("/declare/", {"message": message, "signature": signature})
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not Declaration.objects.exists()


def test_a_replay_is_refused(client, member):
    line = line_to_sign(client)
    client.post("/declare/", {"message": line, "signature": signed(line)})
    again = client.post("/declare/", {"message": line, "signature": signed(line)})
    assert again.status_code == 400 and "already accepted" in again.content.decode()
    assert Declaration.objects.count() == 1


def test_missing_signature_and_bad_json_are_form_errors(client, db):
    response = client.post("/declare/", {"message": "towerwatch declaration", "signature": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["signature"] == ["Paste the signature too."]
    broken = client.post("/declare/", {"message": '{"msg": "x"', "signature": ""})
    assert "Pasted JSON needs" in broken.content.decode()


def test_posted_text_is_escaped_when_shown_again(client, db):
    response = client.post("/declare/", {"message": "<script>x</script>", "signature": ""})
    html = response.content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize("path", ["/declare/", "/plan/"])
def test_forms_refuse_posts_without_csrf(db, path):
    assert Client(enforce_csrf_checks=True).post(path, {}).status_code == 403
