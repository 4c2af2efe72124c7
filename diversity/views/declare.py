"""Declare: a member builds the message, signs it with its oDAO address, and posts it here.

Two forms. Building the message is a GET (it changes nothing): member, watchtower and treegen
in, the exact line to sign out, with the next nonce and the current time. Posting the signed
message is a POST with CSRF protection; diversity/fingerprint/declarations.py verifies it
(signature, membership at the signed time, no replay) and this page shows its verdict, with the
reason when it refuses. The JSON that `rocketpool node sign-message` prints may be pasted whole.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.db.models import Max
from django.shortcuts import render

from diversity.fingerprint.declarations import (
    Claim,
    DeclarationError,
    declaration_text,
    parse_declaration,
    record_declaration,
)
from diversity.models import Declaration
from diversity.views.mix import known_implementations
from diversity.views.pages import network
from towerwatch.throttling import DeclarationThrottle, throttled

MAX_MESSAGE = 4000
SIGNATURE_HELP = "0x followed by 130 hexadecimal characters (65 bytes)."


def software_input(datalist: str) -> forms.TextInput:
    return forms.TextInput(attrs={"list": datalist, "autocomplete": "off"})


class MessageForm(forms.Form):
    member = forms.RegexField(
        label="Member address",
        regex=r"^0x[0-9a-fA-F]{40}$",
        error_messages={"invalid": "An address is 0x and 40 hex digits."},
        widget=forms.TextInput(attrs={"size": 44, "spellcheck": "false", "class": "mono"}),
    )
    watchtower = forms.CharField(
        label="Watchtower",
        max_length=150,
        help_text="name, or name@version",
        widget=software_input("watchtowers"),
    )
    treegen = forms.CharField(
        label="Treegen",
        max_length=150,
        help_text="name, or name@version",
        widget=software_input("treegens"),
    )


class DeclarationForm(forms.Form):
    message = forms.CharField(
        label="Signed message",
        max_length=MAX_MESSAGE,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "class": "mono"}),
        help_text="The exact line you signed, or the JSON `rocketpool node sign-message` printed.",
    )
    signature = forms.CharField(
        label="Signature",
        required=False,
        max_length=200,
        help_text=SIGNATURE_HELP,
        widget=forms.TextInput(attrs={"size": 70, "spellcheck": "false", "class": "mono"}),
    )

    def clean(self):
        data = super().clean()
        message, signature = data.get("message", ""), data.get("signature", "").strip()
        if message.lstrip().startswith("{"):
            try:
                signed = json.loads(message)
                message, signature = signed["msg"], signature or signed["sig"]
            except (ValueError, KeyError, TypeError):
                raise forms.ValidationError(
                    'Pasted JSON needs "msg" and "sig", as `rocketpool node sign-message` prints.'
                ) from None
        if not signature:
            self.add_error("signature", "Paste the signature too.")
        return {"message": message, "signature": signature}


@dataclass
class Outcome:
    accepted: bool
    summary: str
    detail: str = ""


def submit_declaration(network_name: str, message: str, signature: str) -> Outcome:
    try:
        declaration = record_declaration(network_name, message, signature)
    except DeclarationError as error:
        summary = f"Refused: {DeclarationError.REASONS[error.reason]}"
        return Outcome(False, summary, error.detail)
    running = f"{declaration.watchtower.name} and {declaration.treegen.name}"
    since = f"{declaration.declared_at:%Y-%m-%d %H:%M} UTC"
    return Outcome(
        True, "Declaration recorded", f"{declaration.member} runs {running} from {since}."
    )


def message_to_sign(network_name: str, form: MessageForm) -> tuple[str, str]:
    """(the line to sign, an error); the nonce is one above the member's highest so far."""
    data = form.cleaned_data
    mine = Declaration.objects.filter(network=network_name, member__address__iexact=data["member"])
    nonce = (mine.aggregate(Max("nonce"))["nonce__max"] or 0) + 1
    watchtower, _, watchtower_version = data["watchtower"].strip().partition("@")
    treegen, _, treegen_version = data["treegen"].strip().partition("@")
    claim = Claim(
        network_name,
        data["member"],
        watchtower,
        watchtower_version,
        treegen,
        treegen_version,
        int(datetime.now(UTC).timestamp()),
        nonce,
    )
    try:
        text = declaration_text(claim)
        parse_declaration(text)
    except DeclarationError:
        return "", "Names are lowercase letters, digits, '.', '_' or '-'; versions may add '+'."
    return text, ""


@throttled(DeclarationThrottle)  # a refused declaration is a row too
def declare(request):
    name = network()
    builder = MessageForm(request.GET if "member" in request.GET else None)
    to_sign, builder_error = "", ""
    if builder.is_bound and builder.is_valid():
        to_sign, builder_error = message_to_sign(name, builder)
    form = DeclarationForm(request.POST or None)
    outcome, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            outcome = submit_declaration(
                name, form.cleaned_data["message"], form.cleaned_data["signature"]
            )
        if outcome is None or not outcome.accepted:
            status = 400
        else:
            form = DeclarationForm()
    return render(
        request,
        "declare.html",
        {
            "builder": builder,
            "to_sign": to_sign,
            "builder_error": builder_error,
            "form": form,
            "outcome": outcome,
            "network": name,
            "watchtowers": known_implementations("watchtower"),
            "treegens": known_implementations("treegen"),
        },
        status=status,
    )
