"""Dashboard pages, one module per page family."""

from diversity.views.overview import overview  # noqa: F401
