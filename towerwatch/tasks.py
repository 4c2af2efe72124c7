"""Project-wide Celery tasks that belong to no app.

`ping` exists so that a test (and an operator) can prove a real worker is consuming from the real
Redis broker and can reach the database.
"""

from celery import shared_task
from django.db import connection


@shared_task(name="towerwatch.tasks.ping")
def ping() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (database,) = cursor.fetchone()
    return {"pong": True, "database": database}
