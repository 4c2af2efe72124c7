"""How sure are these estimates? The model card: per implementation the true-positive rate and
positive predictive value of the latest held-out evaluation, its confusion matrix and
calibration, where its data came from, and when the model was last retrained and on how many
declared members (diversity/fingerprint/model_card.py)."""

from django.shortcuts import render

from diversity.fingerprint.model_card import model_card
from diversity.views.pages import network
from votes.page_cache import cached_page
from votes.state import CHAIN, DECLARATIONS, FINGERPRINT

LEFT_OUT = {
    "insufficient_data": "with too little evidence",
    "only_declarer": "of a member the only one to declare its implementation",
}


@cached_page(CHAIN, DECLARATIONS, FINGERPRINT)
def model_card_page(request):
    card = model_card(network())
    kinds = card.evaluation.kind_figures if card.evaluation else []
    for figures in kinds:
        figures["confusion_rows"] = list(zip(figures["labels"], figures["confusion"], strict=True))
        figures["left_out"] = [(n, LEFT_OUT.get(why, why))
                               for why, n in figures["skipped_member_days"].items()]  # fmt: skip
    return render(request, "model_card.html", {"card": card, "kinds": kinds})
