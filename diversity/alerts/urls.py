"""The alert history pages, included at /alerts/ by diversity/urls.py."""

from django.urls import path

from diversity.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:alert_id>/", views.alert_detail, name="detail"),
]
