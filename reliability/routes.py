"""Every route the URL resolver publishes, with the values a crawler or a curious person sends.

Routes come from walking Django's resolver, not from a list, so a new page or API route is
walked as soon as it is routed. Path parameters are filled from `django.utils.regex_helper`'s
reverse templates (what `reverse()` itself uses), DRF's format suffix routes included.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

# Values that must never reach a 500: each names what it tries.
HOSTILE_VALUES = {
    "huge number": "9" * 40,
    "negative": "-1",
    "zero": "0",
    "wrong type": "abc",
    "fraction": "1.5",
    "unknown choice": "nonesuch",
    "html": '<script>alert("x")</script>',
    "sql": "1' OR '1'='1'; DROP TABLE votes_round; --",
    "very long": "x" * 5000,
    "unicode": "\u00fc\U0001f642\u202e",
    "timestamp overflow": "1" + "0" * 20,
    "far time zone": "0145-04-24T14:13:47+21:53",
    "nul byte": "a\x00b",
    "empty": "",
}
# What a format suffix may be: the formats the renderers know, and one nobody knows.
FORMATS = ("json", "api", "csv", ".json", ".csv", "xml", "html")
# Query names every route gets on top of those its schema and filters declare: what pagination,
# ordering and the dashboard's own filters read, and the admin's search, order and page.
COMMON_QUERY_NAMES = ("page", "page_size", "ordering", "format", "search", "duty", "status",
                      "severity", "rule", "q", "o", "p")  # fmt: skip


@dataclass(frozen=True)
class Route:
    """One published route: a reverse template such as `api/rounds/%(pk)s.%(format)s`."""

    template: str
    params: tuple[str, ...]
    callback: object
    name: str | None

    def path(self, values: dict[str, str]) -> str:
        quoted = {name: quote(values[name], safe="") for name in self.params}
        return "/" + self.template % quoted

    @property
    def is_admin(self) -> bool:
        return self.template.startswith("admin/")

    @property
    def view_class(self):
        """The DRF view class behind the route, or None for a plain Django view."""
        return getattr(self.callback, "cls", None)


def published_routes() -> list[Route]:
    """Every route of the project, in resolver order."""
    return list(_walk(get_resolver().url_patterns, "", ()))


def _walk(patterns, prefix: str, prefix_params: tuple[str, ...]) -> Iterator[Route]:
    for pattern in patterns:
        for template, params in normalize(pattern.pattern.regex.pattern):
            full, names = prefix + template, prefix_params + tuple(params)
            if isinstance(pattern, URLResolver):
                yield from _walk(pattern.url_patterns, full, names)
            elif isinstance(pattern, URLPattern):
                yield Route(full, names, pattern.callback, pattern.name)


def hostile_path_values(param: str) -> list[str]:
    """Values for one path parameter: the format suffixes for `format`, the hostile set always."""
    known = list(FORMATS) if param == "format" else []
    return known + list(HOSTILE_VALUES.values())
