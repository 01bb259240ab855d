"""In a real Chromium: evidence for 6(a) takes the suggested SDG target and a 10.7.1 result; once
validated, the indicator's page shows it."""

import pytest
from playwright.sync_api import expect

from commitments.indicators.models import ResultMeasure
from commitments.models import Evidence
from tests import browser
from tests.browser import chromium_context, screenshot
from tests.factories import Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    with chromium_context(base_url=live_server.url) as context:
        yield context.new_page()


def test_suggested_target_and_indicator_result_reach_the_indicator_page(page, framework):
    make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    make_user(Role.FOCAL_POINT, state="MAR", username="youssef")

    browser.sign_in(page, "amina")
    page.goto("/workspace/evidence/new/?action=6a")
    suggested = page.locator('input[name="sdg-targets"][value="10.7"]')
    expect(suggested).to_be_checked()  # suggested from 6(a)'s link, ticked
    page.locator('input[name="sdg-targets"][value="8.8"]').uncheck()  # the reporter drops one
    page.get_by_label("Title").fill("Zero recruitment fees for seasonal workers")
    page.get_by_label("Description").fill("Employers pay every recruitment fee; workers pay nothing.")
    page.get_by_label("Implementation status").select_option("advanced")
    page.get_by_label("Level").select_option("national")
    page.locator('[name="results-0-indicator"]').fill("Recruitment cost as months of earnings")
    page.locator('[name="results-0-value"]').fill("0.8")
    page.locator('[name="results-0-unit"]').fill("months")
    page.locator('[name="results-0-year"]').fill("2025")
    page.locator('[name="results-0-sdg_indicator"]').fill("10.7.1")
    page.locator('[name="results-0-migratory_status"]').select_option("MIGRANT")
    screenshot(page, "sdg-1-form")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zero recruitment fees for seasonal workers")
    expect(page.get_by_role("link", name="10.7", exact=True)).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Sign out").click()

    browser.sign_in(page, "youssef")
    page.goto("/review/")
    page.get_by_role("link", name="Zero recruitment fees for seasonal workers").click()
    page.get_by_role("button", name="Validate and publish").click()
    expect(page.get_by_text("The record was validated and is now published.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page.goto("/sdg/10.7.1/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicator 10.7.1")
    expect(page.locator("#results-heading + .table-scroll")).to_contain_text("Morocco")
    expect(page.get_by_role("link", name="Zero recruitment fees for seasonal workers")).to_be_visible()
    expect(page.locator("#chart-indicator-results .main-svg").first).to_be_attached()  # plotly drew it
    screenshot(page, "sdg-2-indicator")

    ev = Evidence.objects.get(is_published=True)
    assert list(ev.framework_targets.values_list("item__code", flat=True)) == ["10.7"]
    assert ResultMeasure.objects.get(result__evidence=ev).migratory_status == "MIGRANT"
