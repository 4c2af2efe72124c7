"""Celery tasks of the alerts: evaluate the rules, send a delivery, re-queue what is overdue.

Beat runs `evaluate_alerts` and `redispatch_deliveries` (settings.CELERY_BEAT_SCHEDULE); the
evaluation queues `send_delivery` for each new delivery once its transaction commits.
"""

import logging

from celery import shared_task
from django.core.cache import cache

from diversity.alerts.delivery import attempt_delivery, redispatch_due
from diversity.alerts.lifecycle import evaluate
from diversity.alerts.sources import current_situation

log = logging.getLogger(__name__)
LOCK_SECONDS = 300


@shared_task(name="diversity.alerts.send_delivery", bind=True, max_retries=None)
def send_delivery(self, delivery_id: int) -> str:
    """One delivery; a failure that may pass is retried after the backoff the row records."""
    outcome = attempt_delivery(delivery_id)
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="diversity.alerts.evaluate")
def evaluate_alerts(network: str | None = None) -> dict:
    """Evaluate every enabled rule now; two evaluations of one network never overlap."""
    situation = current_situation(network)
    lock = f"towerwatch:alerts:{situation.network}"
    if not cache.add(lock, "evaluating", LOCK_SECONDS):
        return {"skipped": "another evaluation is running"}
    try:
        events = evaluate(situation)
    finally:
        cache.delete(lock)
    return {"network": situation.network, "events": [f"{e.kind} {e.title}" for e in events]}


@shared_task(name="diversity.alerts.redispatch")
def redispatch_deliveries() -> int:
    """Re-queue deliveries whose task never ran: queued while the broker was down, or lost."""
    return redispatch_due()
