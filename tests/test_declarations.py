"""Signed declarations on the indexed 30-day simulation: real keys, real membership history.

In the default scenario member 0 leaves on day 20 and member 15 joins on day 15, so "was a
member at the signed time" is tested against indexed join and leave events. A refused
declaration must leave no Declaration and no Implementation behind, only a rejection record.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversity.fingerprint.declarations import (
    Claim,
    DeclarationBook,
    DeclarationError,
    declaration_text,
    parse_declaration,
    record_declaration,
    verify_declaration,
)
from diversity.models import Declaration, DeclarationRejection, Implementation
from tests.test_fingerprint_acceptance import NETWORK, indexed  # noqa: F401  (a fixture)
from votes.devnet.members import member_key

pytestmark = [pytest.mark.chain]
DAY = 86400


@pytest.fixture
def truth(indexed):  # noqa: F811
    """The simulator's ground truth, with its indexed history in the test database."""
    return indexed


def member(truth: dict, index: int) -> dict:
    return truth["members"][index]


def claim_for(truth, index, at, nonce=1, watchtower="smartnode", treegen="treegen-rs") -> Claim:
    return Claim(NETWORK, member(truth, index)["address"], watchtower, "", treegen, "", at, nonce)


def signed(claim: Claim, key: bytes) -> tuple[str, str]:
    text = declaration_text(claim)
    return text, Account.sign_message(encode_defunct(text=text), key).signature.hex()


def key_of(truth, index: int) -> bytes:
    return member_key(truth["seed"], index)


def refused(reason: str, message: str, signature: str) -> DeclarationError:
    before = (Declaration.objects.count(), Implementation.objects.count())
    with pytest.raises(DeclarationError) as caught:
        record_declaration(NETWORK, message, signature)
    assert caught.value.reason == reason
    assert (Declaration.objects.count(), Implementation.objects.count()) == before
    assert DeclarationRejection.objects.filter(reason=reason).exists()
    return caught.value


def test_a_member_declaration_is_verified_and_stored(truth):
    at = member(truth, 3)["joined_at"] + DAY
    declaration = record_declaration(NETWORK, *signed(claim_for(truth, 3, at), key_of(truth, 3)))
    assert declaration.member.address == member(truth, 3)["address"]
    assert (declaration.watchtower.name, declaration.treegen.name) == ("smartnode", "treegen-rs")
    assert declaration.declared_at == datetime.fromtimestamp(at, UTC)


def test_a_forged_declaration_is_refused_and_its_claims_are_not_stored(truth):
    at = member(truth, 3)["joined_at"] + DAY
    forged = claim_for(truth, 3, at, watchtower="forgedwatch")  # names member 3...
    error = refused("forged", *signed(forged, key_of(truth, 4)))  # ...signed by member 4
    assert member(truth, 4)["address"] in error.detail
    assert not Implementation.objects.filter(name="forgedwatch").exists()


def test_an_outsider_is_not_a_member(truth):
    outsider = Account.create()
    claim = Claim(NETWORK, outsider.address, "smartnode", "", "pytreegen", "",
                  member(truth, 3)["joined_at"] + DAY, 1)  # fmt: skip
    refused("not_member", *signed(claim, outsider.key))


def test_a_member_that_left_can_not_declare_afterwards(truth):
    leaver = member(truth, 0)
    assert leaver["left_at"] is not None
    after, before = leaver["left_at"] + 60, leaver["left_at"] - 60
    refused("not_member", *signed(claim_for(truth, 0, after), key_of(truth, 0)))
    record_declaration(NETWORK, *signed(claim_for(truth, 0, before), key_of(truth, 0)))


def test_a_member_can_not_declare_for_before_it_joined(truth):
    before_joining = member(truth, 15)["joined_at"] - DAY
    refused("not_member", *signed(claim_for(truth, 15, before_joining), key_of(truth, 15)))


def test_replaying_an_accepted_declaration_is_refused(truth):
    message = signed(claim_for(truth, 3, member(truth, 3)["joined_at"] + DAY), key_of(truth, 3))
    record_declaration(NETWORK, *message)
    refused("replayed", *message)
    assert Declaration.objects.count() == 1


@pytest.mark.parametrize(("shift", "nonce"), [(-3600, 2), (0, 2), (3600, 1), (3600, 0)])
def test_an_older_or_equal_timestamp_or_nonce_is_refused(truth, shift, nonce):
    at = member(truth, 3)["joined_at"] + DAY
    record_declaration(NETWORK, *signed(claim_for(truth, 3, at, nonce=1), key_of(truth, 3)))
    later = claim_for(truth, 3, at + shift, nonce=nonce, watchtower="pywatch")
    refused("replayed", *signed(later, key_of(truth, 3)))
    assert [d.watchtower.name for d in Declaration.objects.all()] == ["smartnode"]


def test_declarations_are_history_and_the_one_in_force_counts(truth):
    start = member(truth, 3)["joined_at"]
    for nonce, (days, tower) in enumerate([(1, "smartnode"), (10, "oraclerust")], start=1):
        claim = claim_for(truth, 3, start + days * DAY, nonce=nonce, watchtower=tower)
        record_declaration(NETWORK, *signed(claim, key_of(truth, 3)))
    book = DeclarationBook(NETWORK)
    member_id = Declaration.objects.first().member_id
    at = [datetime.fromtimestamp(start + days * DAY, UTC) for days in (0, 5, 15)]
    labels = [book.labels("watchtower", t).get(member_id) for t in at]
    assert labels == [None, "smartnode", "oraclerust"]


def test_a_declaration_for_another_network_is_refused(truth):
    claim = claim_for(truth, 3, member(truth, 3)["joined_at"] + DAY)
    refused("wrong_network", *signed(replace(claim, network="mainnet"), key_of(truth, 3)))


def test_a_declaration_from_the_future_is_refused(truth):
    tomorrow = int((datetime.now(UTC) + timedelta(days=1)).timestamp())
    refused("future", *signed(claim_for(truth, 3, tomorrow), key_of(truth, 3)))


def test_a_malformed_message_or_signature_is_refused(truth):
    claim = claim_for(truth, 3, member(truth, 3)["joined_at"] + DAY)
    text, signature = signed(claim, key_of(truth, 3))
    refused("malformed", text + "\n", signature)
    refused("malformed", text.replace("; ", ";"), signature)
    refused("bad_signature", text, signature[:-2])
    refused("bad_signature", text, "0x" + "00" * 65)


def test_the_canonical_text_parses_back_to_its_claim():
    claim = Claim(NETWORK, "0x5f8F0077Bfaa11e55889AB8072F5422E4E7dCa16", "smartnode", "1.19.0",
                  "treegen-rs", "", 1767312000, 7)  # fmt: skip
    text = declaration_text(claim)
    assert text == (
        "towerwatch declaration v1; network=devnet; "
        "member=0x5f8F0077Bfaa11e55889AB8072F5422E4E7dCa16; "
        "watchtower=smartnode@1.19.0; treegen=treegen-rs; timestamp=1767312000; nonce=7"
    )
    assert parse_declaration(text) == claim
    assert parse_declaration(text.replace(claim.member, claim.member.lower())) == claim


def well_formed_messages():
    """Declarations that parse, for random members: they reach the signature check."""
    address = st.from_regex(r"0x[0-9a-fA-F]{40}", fullmatch=True)
    name = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)
    return st.builds(
        lambda a, w, t, ts, n: declaration_text(Claim(NETWORK, a, w, "", t, "", ts, n)),
        address, name, name, st.integers(1, 2_000_000_000), st.integers(0, 10**18 - 1),
    )  # fmt: skip


@pytest.mark.django_db
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    message=st.one_of(
        st.text(max_size=300), well_formed_messages(), st.binary(max_size=200).map(repr)
    ),
    signature=st.one_of(
        st.text(max_size=140),
        st.binary(min_size=65, max_size=65).map(lambda b: "0x" + b.hex()),
        st.binary(max_size=80).map(lambda b: b.hex()),
    ),
)  # fmt: skip
def test_the_verifier_raises_only_its_own_error_on_any_input(message, signature):
    try:
        verify_declaration(NETWORK, message, signature)
    except DeclarationError as error:
        assert error.reason in DeclarationError.REASONS
    else:
        pytest.fail("random input verified")
