"""The declaration form: CSRF, clear field errors, and the verifier's verdict shown as is."""

import importlib

import pytest
from django.test import Client

declare = importlib.import_module("diversity.views.declare")  # the package exports the view

SIGNATURE = "0x" + "ab" * 65


def test_form_renders_with_a_csrf_token(client, db):
    response = client.get("/declare/")
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_missing_fields_and_a_malformed_signature_are_named(client, db):
    response = client.post("/declare/", {"message": "", "signature": "0x12"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "message" in errors
    assert errors["signature"] == ["A signature is 0x followed by 130 hexadecimal characters."]


def refusal(network, message, signature):
    return declare.Outcome(False, "Signer is not a member", f"<b>{message}</b>")


def test_the_verifier_verdict_is_shown_and_escaped(client, db, monkeypatch):
    monkeypatch.setattr(declare, "submit_declaration", refusal)
    response = client.post("/declare/", {"message": "hello", "signature": SIGNATURE})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Signer is not a member" in html and "&lt;b&gt;hello&lt;/b&gt;" in html


def test_an_accepted_declaration_clears_the_form(client, db, monkeypatch):
    monkeypatch.setattr(declare, "submit_declaration",
                        lambda *args: declare.Outcome(True, "Declaration recorded"))  # fmt: skip
    response = client.post("/declare/", {"message": "hello", "signature": SIGNATURE})
    assert response.status_code == 200
    assert "Declaration recorded" in response.content.decode()
    assert not response.context["form"].is_bound


@pytest.mark.parametrize("path", ["/declare/", "/plan/"])
def test_forms_refuse_posts_without_csrf(db, path):
    assert Client(enforce_csrf_checks=True).post(path, {}).status_code == 403
