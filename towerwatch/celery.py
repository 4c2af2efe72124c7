"""The Celery app: Redis is the broker, beat runs the schedule in settings.CELERY_BEAT_SCHEDULE."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "towerwatch.settings")

app = Celery("towerwatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
