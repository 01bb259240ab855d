"""The dashboards in a real Chromium: every chart drawn, no console error, nothing fetched from outside."""

import pytest

from commitments import demo
from tests.browser import chromium_context, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(live_server):
    """A page that records console errors, failed responses and every requested URL."""
    with chromium_context(viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        page.errors, page.requests, page.failures = [], [], []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("response", lambda r: page.failures.append(r.url) if r.status >= 400 else None)
        yield page


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

    # Map, objectives x regions, status by objective, trend, participation, principles,
    # evidence by SDG target, pledges by type and by objective.
    draw(page, f"{live_server.url}/dashboards/", 9)
    figures = page.locator(".chart-figure")
    assert figures.count() == 9
    for i in range(9):
        assert figures.nth(i).locator(".main-svg").count() >= 1
    for chart in ("sdg-targets", "pledges-kind", "pledges-objective"):
        assert page.locator(f"#chart-{chart} .main-svg").count() >= 1, chart
    # The map's countries came from the vendored topojson: drawn shapes, not an empty frame.
    assert page.locator("#chart-map .geo path.choroplethlocation").count() > 150
    assert any(u.endswith("/static/vendor/topojson/world_110m.json") for u in page.requests)
    # The 28 Member States too small for the shapes, and the Holy See (an observer, drawn like every
    # State), are markers (scattergeo, in the partial bundle).
    from commitments.models import MemberState
    from reporting.map_points import POINTS

    small = MemberState.objects.filter(is_observer=False, iso3__in=POINTS).count()
    dotted = MemberState.objects.filter(iso3__in=POINTS).count()
    assert small == 28 and dotted == 29
    assert page.locator("#chart-map .geo .scattergeo path.point").count() == dotted
    assert page.locator("#chart-objectives-regions .heatmaplayer image, #chart-objectives-regions .hm").count() >= 1
    screenshot(page, "dashboard-global")

    # A filter changes the charts and the URL (auto-submitted on change).
    with page.expect_navigation():
        page.get_by_label("Region", exact=True).select_option("Africa")
    assert "region=Africa" in page.url and "subregion=" not in page.url
    page.wait_for_function("document.querySelectorAll('.chart-figure .main-svg').length >= 9")
    assert "Africa" in page.locator("#summary-objectives-regions").inner_text()

    # Status by objective, trend, principles, and the coverage of its national plan.
    draw(page, f"{live_server.url}/dashboards/states/MAR/", 4)
    assert page.locator(".chart-figure").count() == 4
    assert page.locator("#chart-plan-coverage .main-svg").count() >= 1
    assert page.get_by_role("heading", level=1).inner_text() == "Morocco: implementation profile"
    screenshot(page, "dashboard-state")

    assert page.errors == []
    assert page.failures == []
    outside = [u for u in page.requests if not u.startswith(live_server.url) and not u.startswith("data:")]
    assert outside == []


def test_a_compiled_report_draws_its_charts_offline(framework, browser_page, tmp_path, settings):
    """The HTML report embeds the partial plotly.js bundle: every chart is drawn from the file alone."""
    from commitments.models import MemberState
    from reporting import reports
    from reporting.models import ReportKind

    settings.REPORTS_ROOT = tmp_path
    demo.generate(60, seed=5, organisations=10)
    state = MemberState.objects.filter(evidence__is_published=True).first()
    report = reports.request_report(kind=ReportKind.NATIONAL, cycle=demo_cycle(), member_state=state)
    assert reports.run_compile(report.pk, "browser") == "complete"
    path = reports.file_path(report.files.get(format="html"))
    page = browser_page
    page.goto(f"file://{path}")
    page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 5", timeout=20000)
    assert page.locator(".plotly-graph-div .barlayer").count() >= 5
    assert page.errors == []
    assert [u for u in page.requests if not u.startswith("file://") and not u.startswith("data:")] == []


def demo_cycle():
    from commitments.models import Evidence

    return Evidence.objects.filter(is_published=True).order_by("-cycle").values_list("cycle", flat=True).first()
