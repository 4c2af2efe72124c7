from django.apps import AppConfig


class DiversityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "diversity"
