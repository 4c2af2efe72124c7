"""Request every published route with hostile path, query and form values; count what answered.

A good answer is 2xx, 3xx with a Location, or 4xx that says something (a body, or for 405 the
Allow header). Anything else, a 5xx or an exception out of a view, is a failure with the
request that caused it, so a test can print exactly what to fix.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from reliability.routes import (
    COMMON_QUERY_NAMES,
    HOSTILE_VALUES,
    Route,
    hostile_path_values,
    published_routes,
)
from votes.models import Member, Round

# Form fields the dashboard's POST forms read, besides the query names.
FORM_NAMES = ("message", "signature", "target", "member", "watchtower", "treegen", "msg", "sig")
# Path parameters of the dashboard's own pages, and where an existing value comes from.
PAGE_PARAMS = {
    "address": lambda: Member.objects.values_list("address", flat=True).first(),
    "round_id": lambda: Round.objects.values_list("pk", flat=True).first(),
}


@dataclass
class Failure:
    route: str
    who: str
    method: str
    path: str
    query: str
    status: int | str
    reason: str

    def __str__(self) -> str:
        request = f"{self.who} {self.method} {self.path[:120]}?{self.query[:80]}"
        return f"{request} -> {self.status}: {self.reason}"


@dataclass
class WalkReport:
    routes: int = 0
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def distinct_failures(self) -> list[str]:
        """One line per route, method and kind of failure (the walk repeats each many times)."""
        seen = {}
        for failure in self.failures:
            seen.setdefault((failure.route, failure.method, failure.reason[:60]), str(failure))
        return list(seen.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if str(status).startswith("5"))


def query_names() -> tuple[str, ...]:
    """The common names plus every query parameter the OpenAPI schema declares."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    declared = {
        parameter["name"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }
    return tuple(dict.fromkeys([*COMMON_QUERY_NAMES, *sorted(declared)]))


def existing_value(route: Route, param: str) -> str:
    """A value of `param` that names a row, so that the hostile queries reach the view's body."""
    if param == "format":  # the API root's suffix group holds its dot; the others follow one
        return "json" if "." in route.template else ".json"
    model = None
    if route.view_class is not None and getattr(route.view_class, "queryset", None) is not None:
        model = route.view_class.queryset.model
    elif hasattr(route.callback, "model_admin"):
        model = route.callback.model_admin.model
    if model is not None and param in ("pk", "object_id", "id"):
        value = model.objects.values_list("pk", flat=True).first()
    elif param in PAGE_PARAMS:
        value = PAGE_PARAMS[param]()
    else:
        value = {"app_label": "votes", "alert_id": None}.get(param)
    return str(value if value is not None else 1)


def path_variants(route: Route) -> list[dict[str, str]]:
    """The existing values, then each parameter in turn through its hostile values."""
    valid = {param: existing_value(route, param) for param in route.params}
    variants = [valid]
    for param in route.params:
        variants += [{**valid, param: value} for value in hostile_path_values(param)]
    return variants


class RouteWalker:
    """Walks every route as each of `clients` (name -> logged-in or anonymous test client)."""

    def __init__(self, clients: dict[str, Client], values: dict[str, str] | None = None):
        self.clients = clients
        self.values = values or HOSTILE_VALUES
        self.names = query_names()
        self.report = WalkReport()

    def walk(self, routes: list[Route] | None = None) -> WalkReport:
        routes = published_routes() if routes is None else routes
        self.report.routes += len(routes)
        for route in routes:
            for who, client in self.clients.items():
                self._walk_route(who, client, route)
        return self.report

    def _walk_route(self, who: str, client: Client, route: Route) -> None:
        variants = path_variants(route)
        for values in variants:
            self._request(route, who, client, "get", route.path(values), {})
        valid_path = route.path(variants[0])
        for value in self.values.values():
            self._request(route, who, client, "get", valid_path, dict.fromkeys(self.names, value))
            if not route.is_admin:  # admin forms change data; its own tests cover them
                form = dict.fromkeys((*self.names, *FORM_NAMES), value)
                self._request(route, who, client, "post", valid_path, form)

    def _request(
        self, route: Route, who: str, client: Client, method: str, path: str, data: dict
    ) -> None:
        self.report.requests += 1
        try:
            response = getattr(client, method)(path, data)
        except Exception as error:  # a view that raises is what this walk exists to find
            self._fail(
                route, who, method, path, data, "exception", f"{type(error).__name__}: {error}"
            )
            return
        self.report.statuses[response.status_code] += 1
        reason = unclear_answer(response)
        if reason:
            self._fail(route, who, method, path, data, response.status_code, reason)

    def _fail(self, route, who, method, path, data, status, reason) -> None:
        query = "&".join(f"{k}={str(v)[:20]}" for k, v in list(data.items())[:3])
        self.report.failures.append(
            Failure(route.template, who, method.upper(), path, query, status, reason)
        )
        if status == "exception":
            self.report.statuses["exception"] += 1


def unclear_answer(response) -> str:
    """Why this answer is not acceptable, or "" when it is."""
    status = response.status_code
    if status >= 500:
        return "server error"
    if 300 <= status < 400:
        return "" if response.get("Location") else "redirect without a Location"
    if status < 400:
        return ""
    if status == 405:
        return "" if response.get("Allow") is not None else "405 without an Allow header"
    if status == 429 and not response.get("Retry-After"):
        return "429 without Retry-After"
    body = b"" if response.streaming else response.content
    return "" if body.strip() else f"{status} with an empty body"
