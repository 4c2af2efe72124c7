"""The alert history pages, included at /alerts/ by diversity/urls.py."""

from django.urls import path

from diversity import views_alerts

app_name = "alerts"
urlpatterns = [
    path("", views_alerts.alert_list, name="list"),
    path("<int:alert_id>/", views_alerts.alert_detail, name="detail"),
]
