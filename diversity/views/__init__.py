"""Dashboard pages, one module per page family; mix.py and status.py are what they read."""

from diversity.views.assets import plotly_js
from diversity.views.declare import declare
from diversity.views.members import member_detail, member_list
from diversity.views.model_card import model_card_page
from diversity.views.overview import overview
from diversity.views.plan import plan
from diversity.views.rounds import round_detail, round_list

__all__ = [
    "declare",
    "member_detail",
    "member_list",
    "model_card_page",
    "overview",
    "plan",
    "plotly_js",
    "round_detail",
    "round_list",
]
