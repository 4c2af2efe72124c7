"""The dashboard says what the devnet runs: the real Rocket Pool, and when Saturn arrived."""

import pytest

from reliability.indexer_state import devnet_file

pytestmark = [pytest.mark.browser, pytest.mark.chain]
pytest_plugins = ["tests.browser"]


def test_the_header_names_the_real_protocol_and_the_saturn_upgrade(
    live_server, dashboard_data, browser, simulated_devnet
):
    _, deployment, result, _ = simulated_devnet
    page = browser.new_page()
    with devnet_file(deployment):  # what the demo leaves after simulating
        page.goto(live_server.url + "/", wait_until="networkidle")
        header = page.locator(".site-header .network").inner_text()
    assert "the real Rocket Pool contracts: v1.3.1 (Houston)" in header
    assert f"upgraded to v1.4 (Saturn) at block {result.saturn_block}" in header
    page.close()
