"""The report page's progress bar in a real Chromium: it follows the compile and shows a failure's reason.

The page polls the report's status (reporting/static/reporting/report-progress.js). The test
moves the report through its states in the database, as the worker does, and watches the page.
"""

import pytest
from playwright.sync_api import expect

from commitments.models import MemberState
from reporting import reports
from reporting.models import Report, ReportKind
from tests.browser import chromium_context, screenshot, sign_in
from tests.factories import Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POLL = 8_000  # ms: the page polls every 2 s


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


@pytest.fixture
def page(live_server, framework):
    make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    with chromium_context(base_url=live_server.url) as context:
        page = context.new_page()
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        sign_in(page, "youssef")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Workspace")
        yield page
        assert errors == []


def queued_report():
    return reports.request_report(kind=ReportKind.NATIONAL, cycle=3, member_state=MemberState.objects.get(iso3="MAR"))


def test_the_progress_bar_follows_the_compile_and_then_offers_the_files(page):
    report = queued_report()
    page.goto(report.get_absolute_url())
    status, bar = page.locator("#report-status-text"), page.get_by_label("Progress")
    expect(status).to_have_text("Queued (0%)")
    expect(bar).to_have_attribute("value", "0")

    # The worker claims the report and reports progress: the page follows without a reload.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=45)
    expect(status).to_have_text("Compiling (45%)", timeout=POLL)
    expect(bar).to_have_attribute("value", "45")
    screenshot(page, "report-progress-running")

    # The compile finishes: the bar goes away and a link shows the files.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.QUEUED, progress=0)
    assert reports.run_compile(report.pk, "browser-test") == "complete"
    expect(status).to_have_text("Complete", timeout=POLL)
    expect(bar).to_be_hidden()
    page.get_by_role("link", name="The report is ready: show its files").click()
    expect(page.get_by_role("heading", name="Files")).to_be_visible()
    expect(page.get_by_role("link", name="PDF")).to_be_visible()


def test_a_failure_shows_its_reason(page):
    report = queued_report()
    page.goto(report.get_absolute_url())
    expect(page.get_by_role("alert")).to_be_hidden()
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.FAILED, error="The report could not be compiled: disk full"
    )
    expect(page.get_by_role("alert")).to_have_text("The report could not be compiled: disk full", timeout=POLL)
    expect(page.locator("#report-status-text")).to_have_text("Failed")
    expect(page.get_by_role("link", name="The report is ready: show its files")).to_be_hidden()
    screenshot(page, "report-progress-failed")
