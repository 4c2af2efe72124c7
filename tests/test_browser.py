"""The dashboard in headless Chromium against a live server with the indexed 30-day devnet.

Every page loads without console errors, its charts render (a .js-plotly-plot holding an svg),
the what-if planner works with and without JavaScript, and screenshots at desktop and phone
widths land in test-artifacts/screenshots/ for people to look at.
"""

import copy
from collections import Counter
from datetime import timedelta

import pytest

from diversity.alerts.models import Alert, Rule, Severity
from diversity.views.status import TITLES
from votes.models import Round

pytestmark = [pytest.mark.browser, pytest.mark.chain]
# The harness: dashboard_data, browser, VIEWPORTS, SCREENSHOTS, PageWatcher. Taken from the
# plugin (not imported here) so that pytest registers it before anything imports it.
pytest_plugins = ["tests.browser"]
WIDE_DESKTOP = {"width": 1400, "height": 900}
DISAGREEMENTS = {Rule.MEMBER_DISAGREES, Rule.IMPLEMENTATION_DISAGREES, Rule.CONSENSUS_WRONG}


@pytest.fixture
def harness():
    import tests.browser

    return tests.browser


def pages_with_chart_counts(truth: dict) -> list[tuple[str, str, int]]:
    sim_round = Round.objects.filter(duty="balances").order_by("key_block").first()
    member = truth["members"][1]["address"]
    return [
        ("overview", "/", 4),
        ("members", "/members/", 0),
        ("member", f"/members/{member}/", 1),
        ("rounds", "/rounds/", 0),
        ("round", f"/rounds/{sim_round.pk}/", 1),
        ("plan", "/plan/", 0),
        ("model", "/model/", 0),
        ("declare", "/declare/", 0),
    ]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_renders_with_its_charts(live_server, dashboard_data, browser, harness, width):
    page = browser.new_page(viewport=harness.VIEWPORTS[width])
    watcher = harness.PageWatcher(page)
    for name, path, chart_count in pages_with_chart_counts(dashboard_data):
        response = page.goto(live_server.url + path, wait_until="networkidle")
        assert response.status == 200, path
        if chart_count:
            page.wait_for_selector(".js-plotly-plot svg.main-svg")
        assert page.locator(".js-plotly-plot").count() == chart_count, path
        assert page.locator(".js-plotly-plot svg").count() >= chart_count, path
        page.screenshot(path=harness.SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    assert watcher.errors == []
    if width == "phone":  # nothing wider than the screen but the scrolling tables
        page.goto(live_server.url + "/", wait_until="networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= harness.PHONE["width"]
    page.close()


def test_planner_shows_the_mix_after_the_picked_switches(
    live_server, dashboard_data, browser, harness
):
    page = browser.new_page(viewport=harness.DESKTOP)
    watcher = harness.PageWatcher(page)
    page.goto(live_server.url + "/plan/", wait_until="networkidle")
    smartnode = next(m for m in dashboard_data["members"] if m["watchtower"] == "smartnode")
    row = page.locator("tr", has=page.locator("th", has_text=smartnode["id"]))
    row.locator("select").first.select_option("lighttower")
    page.fill("#id_target", "40")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#result .js-plotly-plot svg.main-svg")
    result = page.locator("#result")
    assert "1 switch." in result.inner_text()
    assert page.locator("#result .js-plotly-plot").count() == 2
    assert "lighttower" in result.locator("table").first.inner_text()
    page.screenshot(path=harness.SCREENSHOTS / "plan-result-desktop.png", full_page=True)
    assert watcher.errors == []
    page.close()


def test_tables_and_the_planner_work_without_javascript(
    live_server, dashboard_data, browser, harness
):
    context = browser.new_context(java_script_enabled=False, viewport=harness.PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.locator("details.data-table table").count() == 4
    assert page.locator(".js-plotly-plot").count() == 0
    page.goto(live_server.url + "/plan/")
    page.locator("form button[type=submit]", has_text="Load into the planner").first.click()
    page.wait_for_load_state()
    assert page.locator("#result table").count() == 2
    page.screenshot(path=harness.SCREENSHOTS / "plan-result-phone-nojs.png", full_page=True)
    context.close()


def test_the_model_card_shows_the_latest_evaluation(live_server, dashboard_data, browser, harness):
    """The figures of the latest `fingerprint --evaluate` (the harness ran one on this devnet),
    not those of an older one, and when the model was last retrained on how many members."""
    from diversity.models import Assignment, ModelEvaluation
    from diversity.templatetags.dashboard import percent

    latest = ModelEvaluation.objects.get()
    older = copy.deepcopy(latest.report)
    for figures in older["kinds"].values():
        for row in figures["implementations"]:
            row["tpr"] = row["ppv"] = 0.123
    stale = ModelEvaluation.objects.create(network=latest.network, as_of=latest.as_of,
                                           source=latest.source, declared_members=1,
                                           report=older)  # fmt: skip
    ModelEvaluation.objects.filter(pk=stale.pk).update(
        evaluated_at=latest.evaluated_at - timedelta(days=1)
    )
    page = browser.new_page(viewport=harness.DESKTOP)
    watcher = harness.PageWatcher(page)
    page.goto(live_server.url + "/model/", wait_until="networkidle")
    assert page.locator("h1").inner_text() == "How sure are these estimates?"
    shown = 0
    for kind, figures in latest.report["kinds"].items():
        table = page.locator(f"table.rates[data-kind='{kind}']")
        for row in figures["implementations"]:
            cells = table.locator(f"tr[data-implementation='{row['implementation']}']")
            assert cells.locator("td.tpr").inner_text() == percent(row["tpr"], 1)
            assert cells.locator("td.ppv").inner_text() == percent(row["ppv"], 1)
            shown += 1
    assert shown >= 7 and "12.3%" not in page.locator("main").inner_text()
    assert f"{latest.evaluated_at:%Y-%m-%d %H:%M} UTC" in page.locator("#evaluated").inner_text()
    current = Assignment.objects.latest("as_of").as_of
    declared = Assignment.objects.filter(as_of=current, kind="watchtower", source="declared")
    retrained = page.locator("#retrained").inner_text()
    assert f"on {declared.count()} declared watchtowers" in retrained
    page.screenshot(path=harness.SCREENSHOTS / "model-card-desktop.png", full_page=True)
    assert watcher.errors == []
    page.close()


def test_the_default_mix_opens_one_alert_per_condition_and_the_banner_says_what_is_certain(
    live_server, dashboard_data, browser, harness
):
    """Acceptance: at most one alert per (kind, implementation) plus one per disagreement; no
    possibility is an emergency; the banner leads with what is known."""
    alerts = list(Alert.objects.filter(status="open"))
    shares = [alert for alert in alerts if alert.rule == Rule.IMPLEMENTATION_SHARE]
    subjects = Counter((a.details["kind"], a.details["implementation"]) for a in shares)
    assert shares and set(subjects.values()) == {1}, subjects
    disagreements = [alert for alert in alerts if alert.rule in DISAGREEMENTS]
    assert len(alerts) == len(shares) + len(disagreements), [a.key for a in alerts]
    assert len({a.key for a in disagreements}) == len(disagreements)
    assert not [a for a in alerts if a.possible and a.severity == "emergency"]

    page = browser.new_page(viewport=WIDE_DESKTOP)
    watcher = harness.PageWatcher(page)
    page.goto(live_server.url + "/", wait_until="networkidle")
    heading = page.locator("#alerts-title").inner_text()
    assert f"({len(alerts)})" in heading
    listed = page.locator("section[aria-labelledby=alerts-title] tbody tr")
    assert listed.count() == min(len(alerts), 10)
    if len(alerts) <= listed.count():
        tags = listed.locator(".tag", has_text="possible").count()
        assert tags == sum(alert.possible for alert in alerts), "possible ones are marked"

    banner = page.locator("section.status")
    status = page.evaluate("() => document.querySelector('section.status').className")
    level = status.split("status-")[-1]
    assert banner.locator("strong").inner_text() == TITLES[level], "the known level first"
    known = [a.details["known"] for a in shares if a.details["known"]]
    assert level == max(known, key=Severity.rank, default="safe")
    text = banner.inner_text()
    if any(a.possible and a.severity != "info" for a in shares):
        assert text.index(TITLES[level]) < text.index("possible"), "what is certain comes first"
        assert banner.locator("ul.possible li").count() >= 1
    page.screenshot(path=harness.SCREENSHOTS / "overview-alerts-1400.png", full_page=True)
    assert watcher.errors == []
    page.close()


# Records every CSP violation the page reports, from before its first script runs (Playwright
# injects this through the DevTools protocol, which the page's own policy does not govern).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_every_page_satisfies_the_content_security_policy(live_server, dashboard_data, browser,
                                                         harness, admin_user):  # fmt: skip
    context = browser.new_context(viewport=harness.DESKTOP)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    watcher = harness.PageWatcher(page)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    from diversity.alerts.models import Alert

    alert = Alert.objects.first()
    paths = [path for _, path, _ in pages_with_chart_counts(dashboard_data)] + [
        "/alerts/", f"/alerts/{alert.pk}/" if alert else "/alerts/", "/api/docs/", "/api/rounds/",
        "/admin/", "/admin/votes/round/",
    ]  # fmt: skip
    for path in paths:
        response = page.goto(live_server.url + path, wait_until="networkidle")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert page.evaluate("window.__cspViolations") == [], path
    page.goto(live_server.url + "/", wait_until="networkidle")
    page.wait_for_selector(".js-plotly-plot svg.main-svg")  # Plotly drew under the policy
    # (the admin and Swagger pages name no icon, so Chromium asks for /favicon.ico: a 404)
    assert [error for error in watcher.errors if "Content Security Policy" in error] == []
    context.close()


@pytest.mark.parametrize("width", ["wide", "phone"])
def test_the_members_table_fits_a_desktop_and_scrolls_in_its_card_on_a_phone(
    live_server, dashboard_data, browser, harness, width
):
    viewport = WIDE_DESKTOP if width == "wide" else harness.PHONE
    page = browser.new_page(viewport=viewport)
    page.goto(live_server.url + "/members/", wait_until="networkidle")
    table = page.evaluate(
        """() => { const wrap = document.querySelector('.members-table').parentElement;
                   return {scroll: wrap.scrollWidth, client: wrap.clientWidth,
                           page: document.documentElement.scrollWidth}; }"""
    )
    assert table["page"] <= viewport["width"], "nothing wider than the screen"
    if width == "wide":
        assert table["scroll"] <= table["client"], "no column is cut off at 1,400 px"
    else:
        assert table["scroll"] > table["client"], "the table scrolls within its card"
    page.screenshot(path=harness.SCREENSHOTS / f"members-{width}.png", full_page=True)
    page.close()
