"""The API's schema and docs page: complete, and usable offline (no CDN)."""

import re

import pytest


@pytest.mark.django_db
def test_docs_page_loads_every_asset_from_this_server(client):
    body = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert assets, "the docs page should reference its Swagger UI assets"
    assert all(url.startswith("/") for url in assets), assets


@pytest.mark.django_db
def test_schema_lists_both_apps_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = set(schema["paths"])
    for path in ("/api/rounds/", "/api/submissions/", "/api/shares/", "/api/declarations/",
                 "/api/alerts/"):  # fmt: skip
        assert path in paths
