"""A contributor fills the workbook offline, uploads it with a mistake, corrects it, imports it (real Chromium)."""

import datetime

import openpyxl
import pytest
from playwright.sync_api import expect

from commitments.models import Evidence, EvidenceEvent
from tests.browser import chromium_context, screenshot, sign_in
from tests.factories import Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    with chromium_context(base_url=live_server.url, accept_downloads=True) as context:
        yield context.new_page()


def fill(path, rows):
    """Fill the downloaded template: {action code: {header: value}}; returns each code's Excel row."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Evidence"]
    heads = {cell.value: cell.column for cell in ws[1]}
    found = {}
    for row in range(2, ws.max_row + 1):
        code = ws.cell(row=row, column=1).value
        for header, value in rows.get(code, {}).items():
            ws.cell(row=row, column=heads[header]).value = value
            found[code] = row
    wb.save(path)
    return found


def measure(title, **extra):
    return {
        "Title": title,
        "Description": "Community-based case management for families.",
        "Status": "Under way (limited)",
        "Level": "National",
        "Start date": datetime.date(2024, 2, 1),
        "Guiding principles": "f;h",
        **extra,
    }


def test_contributor_corrects_a_workbook_and_imports_it(framework, live_server, page, tmp_path):
    make_user(Role.CONTRIBUTOR, state="MAR", username="amina")

    sign_in(page, "amina", next_url="/workspace/workbook/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bulk entry by workbook")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (.xlsx)").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    with_errors = tmp_path / "with-errors.xlsx"
    with_errors.write_bytes(template.read_bytes())
    rows = fill(
        with_errors,
        {
            "13(a)": measure("Alternatives to detention", Status="Started"),
            "1(a)": measure("Migration data strategy", **{"End date": datetime.date(2020, 1, 1)}),
        },
    )
    page.get_by_label("Completed workbook (.xlsx)").set_input_files(with_errors)
    page.get_by_role("button", name="Check and import").click()

    problems = page.get_by_role("table", name="Problems by row and column, as Excel shows them")
    expect(page.get_by_role("heading", name="2 problems found: nothing was imported")).to_be_visible()
    expect(problems.get_by_role("row").filter(has_text="'Started' is not one of")).to_contain_text(
        f"{rows['13(a)']}Status"
    )
    expect(problems.get_by_role("row").filter(has_text="The end date is before the start date.")).to_contain_text(
        f"{rows['1(a)']}End date"
    )
    screenshot(page, "workbook-errors")
    assert not Evidence.objects.exists()

    corrected = tmp_path / "corrected.xlsx"
    corrected.write_bytes(with_errors.read_bytes())
    fill(corrected, {"13(a)": {"Status": "Advanced (substantial)"}, "1(a)": {"End date": None}})
    page.get_by_label("Completed workbook (.xlsx)").set_input_files(corrected)
    page.get_by_role("button", name="Check and import").click()

    expect(page.get_by_role("heading", name="Workbook imported")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="drafts created")).to_contain_text("2 drafts created")
    expect(page.get_by_role("link", name="Alternatives to detention")).to_be_visible()
    screenshot(page, "workbook-imported")

    imported = {e.title: e for e in Evidence.objects.select_related("primary_action", "member_state")}
    assert set(imported) == {"Alternatives to detention", "Migration data strategy"}
    atd = imported["Alternatives to detention"]
    assert atd.primary_action.code == "13(a)" and atd.status == Evidence.Status.ADVANCED
    assert atd.member_state.iso3 == "MAR" and atd.review_state == Evidence.ReviewState.DRAFT
    assert EvidenceEvent.objects.filter(kind=EvidenceEvent.Kind.IMPORTED).count() == 2
