"""The dashboards in a real Chromium: every chart drawn, no console error, nothing fetched from outside."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from commitments import demo

# Playwright runs an event loop in this thread; the ORM calls made here are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(live_server):
    """A page that records console errors, failed responses and every requested URL."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.errors, page.requests, page.failures = [], [], []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("response", lambda r: page.failures.append(r.url) if r.status >= 400 else None)
        try:
            yield page
        finally:
            browser.close()


def draw(page, url, charts):
    page.goto(url)
    page.wait_for_function(
        "n => document.querySelectorAll('.chart-figure .main-svg').length >= n && "
        "document.querySelectorAll('.chart-figure').length === "
        "[...document.querySelectorAll('.chart-figure')].filter(d => d.querySelector('.main-svg')).length",
        arg=charts,
        timeout=20000,
    )
    page.wait_for_load_state("networkidle")


def test_global_dashboard_and_state_profile_render_offline(framework, live_server, browser_page):
    demo.generate(600, seed=4, organisations=80)
    page = browser_page

    draw(page, f"{live_server.url}/dashboards/", 6)
    figures = page.locator(".chart-figure")
    assert figures.count() == 6
    for i in range(6):
        assert figures.nth(i).locator(".main-svg").count() >= 1
    # The map's countries came from the vendored topojson: drawn shapes, not an empty frame.
    assert page.locator("#chart-map .geo path.choroplethlocation").count() > 150
    assert any(u.endswith("/static/vendor/topojson/world_110m.json") for u in page.requests)
    assert page.locator("#chart-objectives-regions .heatmaplayer image, #chart-objectives-regions .hm").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-global.png"), full_page=True)

    # A filter changes the charts and the URL (auto-submitted on change).
    with page.expect_navigation():
        page.get_by_label("Region", exact=True).select_option("Africa")
    assert "region=Africa" in page.url and "subregion=" not in page.url
    page.wait_for_function("document.querySelectorAll('.chart-figure .main-svg').length >= 6")
    assert "Africa" in page.locator("#summary-objectives-regions").inner_text()

    draw(page, f"{live_server.url}/dashboards/states/MAR/", 3)
    assert page.locator(".chart-figure").count() == 3
    assert page.get_by_role("heading", level=1).inner_text() == "Morocco: implementation profile"
    page.screenshot(path=str(SCREENSHOTS / "dashboard-state.png"), full_page=True)

    assert page.errors == []
    assert page.failures == []
    outside = [u for u in page.requests if not u.startswith(live_server.url) and not u.startswith("data:")]
    assert outside == []
