"""Pages and API lists come from the cache, and change as soon as the state they show changes.

Every write goes through the real writer (the indexer on the simulated devnet, the alert
lifecycle, a signed declaration); a repeated request that costs one query (the state version)
shows the page came from the cache.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from eth_account import Account
from eth_account.messages import encode_defunct

from votes import state
from votes.models import Member

pytestmark = pytest.mark.chain
pytest_plugins = ["tests.browser"]  # dashboard_data: the indexed 30-day devnet

CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def cached_get(client, url: str, django_assert_num_queries):
    """GET `url` twice; the second must come from the cache (only the state version is read)
    and be the same page."""
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    return first


def devnet_config(deployment):
    from votes.chain.networks import NetworkConfig

    return NetworkConfig(
        "devnet",
        deployment.rpc_url,
        deployment.rocket_storage,
        deployment.deploy_block,
        world=deployment.world,
    )


def test_a_new_round_indexed_shows_at_once(client, db, simulated_devnet, django_assert_num_queries):
    from votes.chain.client import ChainClient
    from votes.indexing.indexer import Indexer

    _, deployment, _, _ = simulated_devnet
    config = devnet_config(deployment)
    head = ChainClient(deployment.rpc_url).block_number()
    Indexer(config).run_pass(to_block=(deployment.deploy_block + head) // 2)
    before = {url: cached_get(client, url, django_assert_num_queries)
              for url in ("/", "/rounds/", "/api/rounds/")}  # fmt: skip
    newest_before = before["/api/rounds/"].json()["results"][0]["id"]

    Indexer(config).run_pass()

    rounds = client.get("/api/rounds/").json()
    assert rounds["count"] > before["/api/rounds/"].json()["count"]
    newest = rounds["results"][0]["id"]
    assert newest != newest_before
    assert f'href="/rounds/{newest}/"' in client.get("/rounds/").content.decode()
    assert f"{rounds['count']} rounds indexed" in client.get("/").content.decode()
    for url, response in before.items():
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def open_node_alert():
    """The node stops answering: the alert lifecycle opens its alert."""
    from django.utils import timezone

    from diversity.alerts.lifecycle import evaluate
    from diversity.alerts.rules import RULES
    from diversity.alerts.situation import Situation

    situation = Situation("devnet", timezone.now(), head=None, head_error="connection refused")
    rules = {"node_unreachable": RULES["node_unreachable"].defaults}
    return evaluate(situation, rules)


def test_an_opened_alert_shows_at_once(client, dashboard_data, django_assert_num_queries):
    before = {url: cached_get(client, url, django_assert_num_queries)
              for url in ("/", "/alerts/", "/api/alerts/")}  # fmt: skip

    [event] = open_node_alert()

    title = "The devnet node does not answer"
    assert title not in before["/"].content.decode()
    assert title in client.get("/").content.decode()
    assert title in client.get("/alerts/").content.decode()
    alerts = client.get("/api/alerts/").json()
    assert alerts["count"] == before["/api/alerts/"].json()["count"] + 1
    assert event.alert_id in [alert["id"] for alert in alerts["results"]]


def declare(truth: dict, member: dict, at: int) -> None:
    from diversity.fingerprint.declarations import Claim, declaration_text, record_declaration
    from votes.devnet.members import member_key

    watchtower, _, watchtower_version = member["watchtower"].partition("@")
    treegen, _, treegen_version = member["treegen"].partition("@")
    claim = Claim("devnet", member["address"], watchtower, watchtower_version, treegen,
                  treegen_version, at, 1)  # fmt: skip
    message = declaration_text(claim)
    key = member_key(truth["seed"], member["index"])
    signature = Account.sign_message(encode_defunct(text=message), key).signature.hex()
    record_declaration("devnet", message, "0x" + signature.removeprefix("0x"))


def test_a_recorded_declaration_shows_at_once(client, dashboard_data, django_assert_num_queries):
    undeclared = dashboard_data["members"][1]  # members in odd positions never declared
    member = Member.objects.get(network="devnet", address__iexact=undeclared["address"])
    page = f"/members/{member.address}/"
    before = {url: cached_get(client, url, django_assert_num_queries)
              for url in (page, "/members/", "/api/declarations/")}  # fmt: skip
    assert "declared in a signed message" not in before[page].content.decode()

    declare(dashboard_data, undeclared, int((member.joined_at + timedelta(hours=1)).timestamp()))

    assert client.get(page).content.decode().count("declared in a signed message") == 2
    assert client.get("/members/").content != before["/members/"].content
    declarations = client.get("/api/declarations/", {"member": member.address}).json()
    assert declarations["count"] == 1
    listed = client.get("/api/declarations/").json()["count"]
    assert listed == before["/api/declarations/"].json()["count"] + 1


@pytest.mark.parametrize("url", ["/", "/members/", "/rounds/", "/plan/", "/api/rounds/",
                                 "/api/shares/"])  # fmt: skip
def test_revalidation_is_a_304_until_the_state_changes(client, dashboard_data, url):
    client.get(url)  # a form's first visit sets the CSRF cookie, which its ETag depends on
    page = client.get(url)
    assert page["Cache-Control"] == "no-cache"
    etag, modified = page["ETag"], page["Last-Modified"]

    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304

    state.bump(state.CHAIN)  # what the indexer does with each range it stores
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_each_visitor_gets_its_own_csrf_token_in_a_cached_form(dashboard_data):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_page = first.get("/plan/").content.decode()
    second_page = second.get("/plan/").content.decode()  # from the cache
    first_tokens, second_tokens = CSRF_VALUE.findall(first_page), CSRF_VALUE.findall(second_page)
    assert second_tokens and set(first_tokens).isdisjoint(second_tokens)
    assert CSRF_VALUE.sub("", first_page) == CSRF_VALUE.sub("", second_page)  # one page
    posted = second.post("/plan/", {"csrfmiddlewaretoken": second_tokens[-1], "target": "33"})
    assert posted.status_code == 200
    assert first.post("/plan/", {"target": "33"}).status_code == 403  # the check is on


def test_staff_are_not_served_the_anonymous_page(client, admin_client, dashboard_data):
    anonymous = client.get("/members/")
    assert "ETag" in anonymous
    staff = admin_client.get("/members/")
    assert staff.status_code == 200
    assert "ETag" not in staff  # computed for them, never stored or revalidated


def test_the_pipeline_computes_the_main_pages_into_a_shared_cache(
    client, dashboard_data, settings, django_assert_num_queries
):
    from diversity.pipeline import WARMED_PAGES
    from votes.page_cache import warm

    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": f"test-page-cache-{uuid.uuid4().hex}",  # never flushed: keys of its own
    }
    settings.CACHES = {"default": redis}
    paths = [reverse(name) for name in WARMED_PAGES]
    assert warm(paths) == len(paths)
    for path in paths:
        with django_assert_num_queries(1):  # the state version only: the page is there
            assert client.get(path).status_code == 200


def test_a_local_memory_cache_is_not_warmed_from_elsewhere(dashboard_data):
    from votes.page_cache import warm

    assert warm(["/"]) == 0


def test_a_rule_setting_edited_by_hand_shows_at_once(
    client, dashboard_data, django_assert_num_queries
):
    from django.apps import apps

    emergency = "Emergency: one implementation can finalise values alone"
    before = cached_get(client, "/", django_assert_num_queries)
    shown = emergency in before.content.decode()
    # thresholds that flip the banner, whichever way the data leaves it: every share crosses
    # 1-3%, no share reaches 150%
    flip = (
        {"warning": 1.5, "critical": 1.6, "emergency": 1.7}
        if shown
        else {"warning": 0.01, "critical": 0.02, "emergency": 0.03}
    )
    apps.get_model("diversity", "RuleSetting").objects.create(
        rule="implementation_share", params=flip
    )  # as the admin saves it

    assert (emergency in client.get("/").content.decode()) is not shown
