"""Never a 500: every route the resolver publishes, with hostile values, anonymous and as staff.

The walk (reliability/route_walk.py) finds the routes itself, so a new page or API route is
covered without anyone listing it here. It runs on the indexed 30-day devnet so that detail
routes name real rows and the hostile query values reach the views' bodies.
"""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from reliability.route_walk import RouteWalker
from reliability.routes import published_routes

pytestmark = pytest.mark.chain
pytest_plugins = ["tests.browser"]  # the dashboard_data fixture
UNTHROTTLED = {"declarations": "1000000/hour", "expensive_reads": "1000000/hour"}


def clients() -> dict[str, Client]:
    staff = User.objects.create_user("walker", password="pw", is_staff=True, is_superuser=True)
    signed_in = Client()
    signed_in.force_login(staff)
    return {"anonymous": Client(), "staff": signed_in}


def test_the_walk_finds_the_suffix_routes_and_the_pages():
    templates = {route.template for route in published_routes()}
    assert {"api/shares.%(format)s", "api/shares/series.%(format)s",
            "api/declarations/message.%(format)s", "rounds/%(round_id)s/"} <= templates  # fmt: skip


def test_no_route_answers_a_server_error(dashboard_data, settings):
    settings.TOWERWATCH_THROTTLE_RATES = UNTHROTTLED  # every hostile request reaches its view
    cache.clear()
    report = RouteWalker(clients()).walk()
    assert report.routes > 200 and report.requests > 5000
    assert report.server_errors == 0
    assert report.distinct_failures() == [], "\n".join(report.distinct_failures())


def test_no_route_answers_a_server_error_on_a_fresh_install(db, settings):
    settings.TOWERWATCH_THROTTLE_RATES = UNTHROTTLED
    cache.clear()
    report = RouteWalker(clients()).walk()
    assert report.server_errors == 0
    assert report.distinct_failures() == [], "\n".join(report.distinct_failures())


@pytest.mark.parametrize("path, content_type", [
    ("/api/shares.json", "application/json"),
    ("/api/shares/series.json", "application/json"),
    ("/api/shares/series.csv", "text/csv"),
    ("/api/declarations/message.json?member=0x" + "1" * 40 + "&watchtower=a&treegen=b",
     "application/json"),
])  # fmt: skip
def test_a_format_suffix_gives_that_format(client, db, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)


@pytest.mark.parametrize("path", ["/api/shares.csv", "/api/declarations/message.csv",
                                  "/api/shares/series.xml"])  # fmt: skip
def test_a_format_the_route_cannot_give_is_a_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
