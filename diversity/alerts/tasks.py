"""Celery adapter of the alerts: evaluate the rules, send a delivery, re-queue what is overdue.

Beat runs `evaluate_alerts` and `redispatch_deliveries` (settings.CELERY_BEAT_SCHEDULE); an
evaluation hands `dispatch` to the lifecycle, which calls it with the new deliveries once their
transaction commits. The domain modules never import this one: it sits on top of them.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from diversity.alerts.delivery import attempt_delivery, overdue
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
        events = evaluate(situation, queue=dispatch)
    finally:
        cache.delete(lock)
    return {"network": situation.network, "events": [f"{e.kind} {e.title}" for e in events]}


@shared_task(name="diversity.alerts.redispatch")
def redispatch_deliveries() -> int:
    """Re-queue deliveries whose task never ran: queued while the broker was down, or lost."""
    return dispatch(overdue())


def dispatch(delivery_ids: list[int], countdown: float = 0) -> int:
    """Queue a task per delivery; a broker error is logged, not raised: the rows wait in the
    database for `redispatch_deliveries`. Returns how many were queued."""
    queued = 0
    for delivery_id in delivery_ids:
        try:
            send_delivery.apply_async(
                (delivery_id,), countdown=countdown, queue=settings.ALERTS_CELERY_QUEUE
            )
        except Exception as error:  # kombu raises several types when the broker is away
            log.warning(
                "could not queue alert delivery %s (%s): it stays pending in the "
                "database and will be re-queued",
                delivery_id,
                error,
            )
            break
        queued += 1
    return queued
