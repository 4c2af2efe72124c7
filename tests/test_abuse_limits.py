"""Abuse limits of a public instance: throttled writes and expensive reads answer 429 with
Retry-After past their rate, bodies over the size limit 413, NUL bytes 400, page sizes are
capped, and a forged session cookie is no session rather than a server error."""

import pytest
from django.test import Client

from diversity.models import Implementation
from towerwatch.sessions import SessionStore

pytestmark = pytest.mark.django_db
DECLARATION = {"message": "towerwatch declaration v1; nonsense", "signature": "0x00"}


@pytest.fixture
def rates(settings):
    settings.TOWERWATCH_THROTTLE_RATES = {"declarations": "3/hour", "expensive_reads": "2/minute"}
    return settings.TOWERWATCH_THROTTLE_RATES


def assert_throttled_after(send, allowed: int) -> None:
    answers = [send() for _ in range(allowed)]
    assert all(answer.status_code != 429 for answer in answers), [a.status_code for a in answers]
    refused = send()
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert f"available in {refused['Retry-After']} seconds" in refused.json()["detail"]


def test_declarations_api(client, rates):
    post = lambda: client.post("/api/declarations/", DECLARATION, content_type="application/json")  # noqa: E731
    assert_throttled_after(post, 3)


def test_declare_page(client, rates):
    assert_throttled_after(lambda: client.post("/declare/", DECLARATION), 3)


def test_planner_form(client, rates):
    assert_throttled_after(lambda: client.post("/plan/", {"target": "40"}), 2)
    assert client.get("/plan/").status_code == 200  # looking at the page is not throttled


def test_share_series_export(client, rates):
    assert_throttled_after(lambda: client.get("/api/shares/series/?format=csv"), 2)


def test_each_client_address_has_its_own_count(rates):
    first, second = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    assert_throttled_after(lambda: first.get("/api/shares/series/"), 2)
    assert second.get("/api/shares/series/").status_code == 200


def test_a_body_over_the_limit_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"message": "x" * 2000, "signature": "0x"}
    response = client.post("/api/declarations/", body, content_type="application/json")
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/members/a%00b/", "/rounds/?duty=%00", "/api/members/?address=%00"]
)
def test_nul_bytes_are_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_nul_bytes_in_a_json_body_are_400(client):
    body = '{"message": "a\\u0000b", "signature": "0x"}'
    response = client.post("/api/declarations/", body, content_type="application/json")
    assert response.status_code == 400


def test_page_size_is_capped(client, settings):
    settings.API_MAX_PAGE_SIZE = 2
    Implementation.objects.bulk_create(
        Implementation(kind="watchtower", name=f"impl-{n}", source="test") for n in range(5)
    )
    page = client.get("/api/implementations/?page_size=100000").json()
    assert page["count"] == 5 and len(page["results"]) == 2


def test_a_forged_session_cookie_is_no_session(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/").status_code == 200
    assert not SessionStore()._validate_session_key("abcdefgh\x00ijkl")
    assert SessionStore()._validate_session_key(SessionStore()._get_new_session_key())
