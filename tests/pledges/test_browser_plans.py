"""In a real Chromium: a focal point records a plan with two items and a pledge, a contributor
links evidence to an item, the plan page shows it, and the national report includes it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from commitments.models import MemberState
from commitments.pledges.models import NationalPlan, Pledge
from reporting import reports
from reporting.models import ReportKind
from tests import browser
from tests.browser import chromium_context, screenshot
from tests.factories import Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


@pytest.fixture
def page(live_server, framework):
    make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    with chromium_context(base_url=live_server.url) as context:
        yield context.new_page()


def sign_in(page, username):
    browser.sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Workspace")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_plan_pledge_evidence_link_and_national_report(page):
    # The focal point records the plan with two priorities, submits and validates it.
    sign_in(page, "youssef")
    page.get_by_role("link", name="Record a plan").click()
    page.get_by_label("Title").fill("National Strategy on Migration 2025-2030")
    page.get_by_label("Instrument").select_option("strategy")
    page.locator('[name="items-0-priority"]').fill("Alternatives to detention")
    page.locator('[name="items-0-actions"]').select_option("13(a)")
    page.locator('[name="items-0-target_date"]').fill("2027-06-30")
    page.locator('[name="items-1-priority"]').fill("Migration data")
    page.locator('[name="items-1-actions"]').select_option("1(a)")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("National Strategy on Migration 2025-2030")
    page.get_by_role("button", name="Submit for validation").click()
    page.get_by_role("button", name="Validate and publish").click()
    expect(page.get_by_text("Validated and published.")).to_be_visible()
    plan_url = page.url.split("?")[0]

    # ... and a pledge for the Forum.
    page.goto("/pledges/new/")
    page.get_by_label("Title").fill("Train 200 labour inspectors")
    page.get_by_label("Description").fill("Labour inspectors trained on migrant workers' rights.")
    page.get_by_label("Type").select_option("human_resources")
    page.get_by_role("button", name="Save as draft").click()
    identifier = Pledge.objects.get().identifier
    expect(page.get_by_text(identifier).first).to_be_visible()
    page.get_by_role("button", name="Submit for validation").click()
    page.get_by_role("button", name="Validate and publish").click()
    expect(page.get_by_text("Validated and published.")).to_be_visible()
    screenshot(page, "plans-pledge")
    sign_out(page)

    # A contributor records evidence that delivers on the first priority.
    sign_in(page, "amina")
    page.goto("/workspace/evidence/new/?action=13a")
    page.get_by_label("Title").fill("Community case management pilot")
    page.get_by_label("Description").fill("Families live in the community with a case manager.")
    page.get_by_label("Implementation status").select_option("completed")
    page.get_by_label("Level").select_option("national")
    page.get_by_label("Plan item: Alternatives to detention").check()
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", name="Delivers on")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    sign_out(page)

    # The focal point validates it; the plan page shows it beside the owner's status.
    sign_in(page, "youssef")
    page.goto("/review/")
    page.get_by_role("link", name="Community case management pilot").click()
    page.get_by_role("button", name="Validate and publish").click()
    page.goto(plan_url)
    row = page.locator("tr", has_text="Alternatives to detention")
    expect(row.get_by_role("link", name="Community case management pilot")).to_be_visible()
    expect(row).to_contain_text("1 published record linked (completed: 1)")
    screenshot(page, "plans-plan-page")

    # The national report includes the plan, its item and the evidence count.
    plan = NationalPlan.objects.get()
    report = reports.request_report(kind=ReportKind.NATIONAL, cycle=3, member_state=MemberState.objects.get(iso3="MAR"))
    assert reports.run_compile(report.pk, "browser-test") == "complete"
    report.refresh_from_db()
    page.goto(report.get_absolute_url())
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert "Implementation plan and pledges" in html and plan.title in html
    assert "Alternatives to detention" in html
    assert identifier in html
