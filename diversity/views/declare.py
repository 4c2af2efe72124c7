"""Declare: a member posts the message it signed with its oDAO address, and towerwatch checks it.

The form is a plain POST with CSRF protection. Verification (signature, membership at the signed
time, nonce and timestamp freshness) belongs to the fingerprinting module; this page only shows
its verdict, with the reason when it refuses.
"""

from dataclasses import dataclass

from django import forms

from diversity.views.pages import network, render_page

MAX_MESSAGE = 4000


class DeclarationForm(forms.Form):
    message = forms.CharField(
        label="Signed message",
        max_length=MAX_MESSAGE,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
        help_text="The exact text you signed, byte for byte.",
    )
    signature = forms.RegexField(
        label="Signature",
        regex=r"^0x[0-9a-fA-F]{130}$",
        error_messages={"invalid": "A signature is 0x followed by 130 hexadecimal characters."},
        widget=forms.TextInput(attrs={"size": 70, "spellcheck": "false", "class": "mono"}),
    )


@dataclass
class Outcome:
    accepted: bool
    summary: str
    detail: str = ""


def submit_declaration(network_name: str, message: str, signature: str) -> Outcome:
    """INTEGRATION(fingerprinting): hand the declaration to its verifier and report the result."""
    return Outcome(
        False,
        "Declarations are not accepted yet",
        "The verifier is not installed on this towerwatch; nothing was stored.",
    )


def declare(request):
    form = DeclarationForm(request.POST or None)
    outcome, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            outcome = submit_declaration(network(), data["message"], data["signature"])
        if outcome is None or not outcome.accepted:
            status = 400
        else:
            form = DeclarationForm()
    return render_page(request, "declare.html", {"form": form, "outcome": outcome}, status=status)
