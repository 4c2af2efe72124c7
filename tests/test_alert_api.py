"""The alerts' API, pages and admin: public history, staff-only channels, URLs never shown whole."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from diversity.alerts.lifecycle import apply_conditions
from diversity.alerts.models import Alert, Channel, Delivery, Rule, RuleSetting, Subscription
from diversity.alerts.situation import Condition

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-token-do-not-show"
URL = f"http://127.0.0.1:9/api/webhooks/42/{TOKEN}"
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True


@pytest.fixture
def staff():
    user = User.objects.create_user("admin", password="pw", is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def discord():
    channel = Channel.objects.create(name="odao", kind=Channel.Kind.DISCORD, target=URL)
    Subscription.objects.create(channel=channel)
    return channel


def raise_alert(title="smartnode nears half of the watchtower vote", message="40.0%") -> Alert:
    condition = Condition(Rule.IMPLEMENTATION_SHARE, "share:watchtower:smartnode",
                          "warning", title, message)  # fmt: skip
    apply_conditions("devnet", [condition], {condition.rule}, timezone.now())
    return Alert.objects.get()


def test_alert_history_is_public_and_read_only():
    alert = raise_alert()
    client = APIClient()
    listing = client.get("/api/alerts/").json()
    assert listing["results"][0]["title"] == alert.title
    detail = client.get(f"/api/alerts/{alert.id}/").json()
    assert [e["kind"] for e in detail["events"]] == ["opened"]
    assert client.get("/api/alerts/?status=resolved").json()["count"] == 0
    assert client.post("/api/alerts/", {}).status_code in (403, 405)


def test_channels_are_for_staff_only(discord):
    client = APIClient()
    assert client.get("/api/alert-channels/").status_code == 403
    assert client.get("/api/alert-deliveries/").status_code == 403
    assert client.post(f"/api/alert-channels/{discord.id}/test/").status_code == 403


def test_webhook_urls_are_masked_in_every_response(staff, discord):
    raise_alert()
    responses = [
        staff.get("/api/alert-channels/"),
        staff.get(f"/api/alert-channels/{discord.id}/"),
        staff.get("/api/alert-deliveries/"),
        staff.patch(f"/api/alert-channels/{discord.id}/", {"name": "renamed"}, format="json"),
        staff.get("/api/schema/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert TOKEN not in response.content.decode()
    channel = staff.get(f"/api/alert-channels/{discord.id}/").json()
    assert channel["target_masked"].startswith("http://127.0.0.1/… [")
    assert "target" not in channel and "secret" not in channel
    assert Channel.objects.get().target == URL, "a PATCH without target keeps the URL"


def test_creating_a_channel_with_a_private_url_is_refused(staff, settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    response = staff.post("/api/alert-channels/", {
        "name": "sneaky", "kind": "discord", "target": "https://169.254.169.254/latest/meta-data",
    }, format="json")  # fmt: skip
    assert response.status_code == 400
    assert "private" in str(response.json()["target"])
    assert not Channel.objects.exists()


def test_a_json_webhook_secret_is_shown_once(staff):
    created = staff.post("/api/alert-channels/", {
        "name": "ops", "kind": "webhook", "target": "http://127.0.0.1:9/hook",
    }, format="json").json()  # fmt: skip
    assert len(created["signing_secret"]) == 64
    again = staff.get(f"/api/alert-channels/{created['id']}/").json()
    assert "signing_secret" not in again and created["signing_secret"] not in str(again)


def test_send_test_notification_action(staff, discord):
    response = staff.post(f"/api/alert-channels/{discord.id}/test/")
    assert response.status_code == 202
    delivery = Delivery.objects.get(pk=response.json()["delivery"])
    assert delivery.events.get().kind == "test" and delivery.status == "pending"


def test_rule_settings_are_validated(staff):
    def post(params):
        body = {"rule": "implementation_share", "params": params}
        return staff.post("/api/alert-rules/", body, format="json")

    assert post({"warning": "forty"}).status_code == 400
    good = post({"warning": 0.33})
    assert good.status_code == 201
    assert good.json()["defaults"]["warning"] == 0.40
    assert RuleSetting.objects.get().params == {"warning": 0.33}


def test_history_pages_escape_chain_text_and_hide_deliveries_from_the_public(client, discord):
    alert = raise_alert(title=f"{HOSTILE} disagrees", message=f"member id {HOSTILE}")
    listing = client.get("/alerts/")
    page = client.get(f"/alerts/{alert.id}/")
    for response in (listing, page):
        assert response.status_code == 200
        body = response.content.decode()
        assert HOSTILE not in body and "&lt;script&gt;" in body
        assert TOKEN not in body
    assert "Deliveries" not in page.content.decode()
    assert client.get("/alerts/?status=open&severity=warning&rule=nope").status_code == 200


def test_staff_see_deliveries_on_the_history_page(client, discord):
    alert = raise_alert()
    User.objects.create_user("admin", password="pw", is_staff=True)
    client.login(username="admin", password="pw")
    body = client.get(f"/alerts/{alert.id}/").content.decode()
    assert "Deliveries" in body and "odao" in body and TOKEN not in body


def test_admin_never_puts_the_url_back_into_the_form(client, discord):
    User.objects.create_superuser("root", password="pw")
    client.login(username="root", password="pw")
    for path in ("/admin/diversity/channel/", f"/admin/diversity/channel/{discord.id}/change/"):
        response = client.get(path)
        assert response.status_code == 200
        assert TOKEN not in response.content.decode()


def test_admin_keeps_the_url_when_the_field_is_left_empty(client, discord):
    User.objects.create_superuser("root", password="pw")
    client.login(username="root", password="pw")
    response = client.post(f"/admin/diversity/channel/{discord.id}/change/", {
        "name": "odao", "kind": "discord", "target": "", "secret": "", "enabled": "on",
        "min_severity": "warning", "renotify_hours": "24",
        "subscriptions-TOTAL_FORMS": "0", "subscriptions-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert response.status_code == 302
    assert Channel.objects.get().target == URL


def test_admin_send_test_notification_action(client, discord):
    User.objects.create_superuser("root", password="pw")
    client.login(username="root", password="pw")
    client.post("/admin/diversity/channel/", {
        "action": "send_test_notification", "_selected_action": [discord.id],
    })  # fmt: skip
    assert Delivery.objects.get().events.get().kind == "test"
