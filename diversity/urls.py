"""Dashboard pages."""

from django.urls import path

from diversity import views

urlpatterns = [
    path("", views.overview, name="overview"),
]
