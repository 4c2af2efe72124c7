"""Delivery: sending what the outbox owes a channel, and recording every try.

A Delivery row is written in the transaction that records the events (outbox.py), before
anything touches the broker; only after commit does the Celery adapter (tasks.py) queue a task
for it. So:
- the broker (Redis) down: queueing fails, is logged, and the row stays pending; the beat task
  re-queues pending rows that are overdue (`overdue`), once the broker is back;
- the destination down or rate limiting: the try is recorded, the row goes back to pending
  with a backoff (or the server's Retry-After, if longer) and the task is retried;
- a short Retry-After (ALERTS_INLINE_RETRY_SECONDS) is waited out in place, since Discord asks
  for fractions of a second;
- two workers never send the same row at once: a worker claims it with a conditional UPDATE
  that takes a lease (`claimed_until`); a worker that dies mid-send lets the lease expire and
  the row is tried again. That last case is the only one that can send twice (the send may
  have happened before the crash), which is why webhooks carry the delivery's uuid.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from diversity.alerts.models import Delivery, DeliveryAttempt
from diversity.alerts.rendering import render_notification
from diversity.alerts.transports import TRANSPORTS, TransportError
from votes import state

log = logging.getLogger(__name__)
LEASE_SECONDS = 300
MAX_INLINE_WAITS = 3


@dataclass
class Outcome:
    status: str  # delivered, retry, failed or skipped (not due, or someone else has it)
    retry_in: float | None = None


def _due(now: datetime):
    return Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, claimed_until__lt=now
    )


def overdue(now: datetime | None = None) -> list[int]:
    """Deliveries overdue by ALERTS_REDISPATCH_AFTER_SECONDS: their task was never queued
    (broker down), was lost, or its worker died holding the lease."""
    now = now or timezone.now()
    late = now - timedelta(seconds=settings.ALERTS_REDISPATCH_AFTER_SECONDS)
    return list(
        Delivery.objects.filter(_due(late))
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:500]
    )


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Send every due delivery in this process (the `alerts --deliver` command, and tests)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for delivery_id in (
        Delivery.objects.filter(_due(now)).order_by("id").values_list("id", flat=True)
    ):
        outcome = attempt_delivery(delivery_id, now)
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def backoff(attempts: int) -> float:
    return min(
        settings.ALERTS_BACKOFF_MAX_SECONDS,
        settings.ALERTS_BACKOFF_SECONDS * 2 ** max(0, attempts - 1),
    )


@dataclass
class Claim:
    """A delivery this worker holds until `lease`; `now` is the clock it was claimed by (the
    command and tests may run the clock ahead), and backoff counts from it."""

    delivery: Delivery
    now: datetime
    lease: datetime


def attempt_delivery(delivery_id: int, now: datetime | None = None) -> Outcome:
    """Claim the delivery if it is due, try to send it, record every try and the result."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=LEASE_SECONDS)
    claimed = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        status=Delivery.Status.SENDING, claimed_until=lease
    )
    if not claimed:
        return Outcome("skipped")
    delivery = (
        Delivery.objects.select_related("channel")
        .prefetch_related("events__alert")
        .get(pk=delivery_id)
    )
    claim = Claim(delivery, now, lease)
    if not delivery.channel.enabled:
        _finish(claim, Delivery.Status.FAILED, error="the channel is disabled")
        return Outcome("failed")
    transport = TRANSPORTS[delivery.channel.kind](delivery.channel)
    notification = render_notification(delivery)
    for waits in range(MAX_INLINE_WAITS + 1):
        started, at = time.monotonic(), timezone.now()
        delivery.attempts += 1
        try:
            code = transport.notify(notification)
        except TransportError as error:
            _record(delivery, at, started, error)
            outcome = _after_failure(claim, error, may_wait=waits < MAX_INLINE_WAITS)
            if outcome is None:
                time.sleep(error.retry_after)
                continue
            return outcome
        _record(delivery, at, started, code=code)
        _finish(claim, Delivery.Status.DELIVERED, delivered_at=timezone.now())
        return Outcome("delivered")
    raise AssertionError("unreachable: the last inline try always returns an outcome")


def _gives_up(delivery: Delivery, error: TransportError) -> bool:
    return error.permanent or delivery.attempts >= settings.ALERTS_MAX_ATTEMPTS


def _after_failure(claim: Claim, error: TransportError, may_wait: bool) -> Outcome | None:
    """Give up, reschedule, or None: wait error.retry_after here and try again."""
    delivery = claim.delivery
    if _gives_up(delivery, error):
        reason = str(error) if error.permanent else f"gave up after {delivery.attempts} tries"
        _finish(claim, Delivery.Status.FAILED, error=reason)
        return Outcome("failed")
    inline = settings.ALERTS_INLINE_RETRY_SECONDS
    if may_wait and error.retry_after is not None and error.retry_after <= inline:
        return None
    delay = max(error.retry_after or 0.0, backoff(delivery.attempts))
    next_attempt_at = claim.now + timedelta(seconds=delay)
    _finish(claim, Delivery.Status.PENDING, error=str(error), next_attempt_at=next_attempt_at)
    return Outcome("retry", delay)


def _record(
    delivery: Delivery,
    at: datetime,
    started: float,
    error: TransportError | None = None,
    code: int | None = None,
) -> None:
    if error is None:
        outcome = DeliveryAttempt.Outcome.DELIVERED
    elif _gives_up(delivery, error):
        outcome = DeliveryAttempt.Outcome.FAILED
    else:
        outcome = DeliveryAttempt.Outcome.RETRY
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        at=at,
        outcome=outcome,
        duration_ms=int((time.monotonic() - started) * 1000),
        response_code=error.status if error else code,
        error=str(error)[:2000] if error else "",
        retry_after=error.retry_after if error else None,
    )


def _finish(claim: Claim, status: str, error: str = "", **fields) -> None:
    """Release the claim with the new state, if we still hold it."""
    delivery = claim.delivery
    updated = Delivery.objects.filter(pk=delivery.pk, claimed_until=claim.lease).update(
        status=status,
        attempts=delivery.attempts,
        last_error=error[:2000],
        claimed_until=None,
        **fields,
    )
    state.bump(state.ALERTS)  # the alert pages count deliveries by outcome
    if not updated:
        log.warning("delivery %s: lease lost while sending; left to its new holder", delivery.pk)
