"""Abuse limits for a public instance: requests per client address per scope, with DRF's
throttle (a sliding window of request times kept in a cache).

Scopes and their rates are settings (`TOWERWATCH_THROTTLE_RATES`, from the environment), read
when a request arrives, so a test or an operator can change them without a restart of the
module. The history lives in its own cache alias (`throttle`): Redis in production so that
every worker counts together, local memory in development, and tests clear it between cases.
A plain Django view (the planner's form) gets the same throttle through `throttled`.
"""

import functools
import math

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

THROTTLE_CACHE = "throttle"


class ScopedThrottle(SimpleRateThrottle):
    """At most the scope's rate of requests per client address."""

    scope = ""

    @property
    def cache(self):
        return caches[THROTTLE_CACHE]

    def get_rate(self) -> str:
        return settings.TOWERWATCH_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class DeclarationThrottle(ScopedThrottle):
    """Every refused declaration is stored as a row: nobody may fill the table."""

    scope = "declarations"


class ExpensiveReadThrottle(ScopedThrottle):
    """Reads that compute a lot per request: the planner, the share series exports."""

    scope = "expensive_reads"


def throttled(throttle_class: type[ScopedThrottle], methods: tuple[str, ...] = ("POST",)):
    """Throttle a plain Django view's `methods`: past the rate, 429 with Retry-After."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            throttle = throttle_class()
            if request.method in methods and not throttle.allow_request(request, view):
                return too_many_requests(throttle.wait())
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def too_many_requests(wait: float | None) -> JsonResponse:
    """The answer DRF gives a throttled API request, for a plain view."""
    seconds = max(1, math.ceil(wait or 1))
    response = JsonResponse({"detail": str(Throttled(seconds).detail)}, status=429)
    response["Retry-After"] = str(seconds)
    return response
