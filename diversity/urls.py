"""Dashboard pages: public and read-only, except the declaration form (CSRF-protected)."""

import plotly
from django.urls import include, path

from diversity import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("alerts/", include("diversity.alerts.urls")),
    path("members/", views.member_list, name="members"),
    path("members/<str:address>/", views.member_detail, name="member"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("plan/", views.plan, name="plan"),
    path("model/", views.model_card_page, name="model-card"),
    path("declare/", views.declare, name="declare"),
    path(f"assets/plotly-{plotly.__version__}.min.js", views.plotly_js, name="plotly-js"),
]
