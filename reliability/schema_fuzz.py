"""Property-based requests generated from the project's own OpenAPI schema (schemathesis).

Every operation the schema publishes gets `examples` requests that fit the schema and as many
that do not, in-process against the WSGI app. Each answer must be no 5xx, a status code the
schema documents for that operation, and a body that matches the schema documented for that
status, error bodies included. Requests carry the given headers (e.g. a staff user's
credentials) so that staff-only operations are exercised beyond their 403.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, Verbosity
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from towerwatch.wsgi import application

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def staff_headers(user) -> dict[str, str]:
    """A signed-in session for `user`, with the CSRF cookie and header the API's session
    authentication asks of unsafe methods."""
    client = Client()
    client.force_login(user)
    csrf = get_random_string(CSRF_SECRET_LENGTH)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
    return {"Cookie": cookie, "X-CSRFToken": csrf}


def load_schema():
    """The schema as the app serves it at /api/schema/, wired to call the app in-process."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def fuzz_api(examples: int, headers: dict[str, str] | None = None) -> FuzzReport:
    """Fuzz every operation with `examples` fitting and `examples` unfitting requests."""
    report = FuzzReport()
    with connection_kept_open():
        for result in load_schema().get_all_operations():
            operation = result.ok()
            report.operations += 1
            for mode in MODES:
                _fuzz_operation(operation, mode, examples, headers or {}, report)
    return report


@contextmanager
def connection_kept_open() -> Iterator[None]:
    """Requests served in this process share its database connection, and in a test its open
    transaction: the WSGI handler must not close it after each request (Django's test client
    does the same)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _fuzz_operation(operation, mode, examples: int, headers: dict, report: FuzzReport) -> None:
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck),
                         verbosity=Verbosity.quiet)  # fmt: skip
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        response = case.call(headers=headers)
        report.requests += 1
        report.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        check()
    except (Exception, BaseExceptionGroup) as error:  # a check failed: note it, go on
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
        report.failures.append(f"{operation.label} ({mode}): {' '.join(lines[:12])[:900]}")
