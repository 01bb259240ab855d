"""Pledges and plan items as sheets of the entity's workbook: every sheet checked before anything is
written, all rows of all sheets or none, row-by-row problems, idempotent re-upload."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from commitments import workbook as evidence_workbook
from commitments.models import Evidence
from commitments.pledges import services, workbook
from commitments.pledges.models import Event, Pledge
from tests.commitments.test_workbook import good_row

from .conftest import item, plan_data

pytestmark = pytest.mark.django_db
PAGE = "/workspace/workbook/"


def upload(wb):
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("filled.xlsx", out.getvalue())


def downloaded(user):
    return openpyxl.load_workbook(io.BytesIO(evidence_workbook.build_workbook(user)))


def filled(user, pledges=(), items=()):
    wb = downloaded(user)
    for row in pledges:
        wb[str(workbook.PLEDGE_SHEET)].append(row)
    for row in items:
        wb[str(workbook.ITEM_SHEET)].append(row)
    return wb


def import_(user, wb):
    return evidence_workbook.import_workbook(user=user, upload=upload(wb))


GOOD = [
    "",
    "Train 200 inspectors",
    "Labour inspectors trained.",
    "human_resources",
    "6",
    "6a",
    "inspectors",
    "200",
    "2028-12-31",
    "IMRF 2026",
]


def test_the_evidence_workbook_has_the_pledge_and_plan_item_sheets(people):
    state = downloaded(people["contributor"])
    assert state.sheetnames[-2:] == ["Pledges", "Plan items"]
    assert [c.value for c in state["Pledges"][1]][:3] == ["Identifier", "Title", "Description"]
    instructions = " ".join(str(c.value) for row in state["Instructions"].iter_rows() for c in row if c.value)
    assert "The sheet 'Pledges'" in instructions and "The sheet 'Plan items'" in instructions
    organisation = downloaded(people["editor"])
    assert "Pledges" in organisation.sheetnames and "Plan items" not in organisation.sheetnames


def test_all_sheets_or_nothing_with_row_by_row_problems(people):
    bad = ["", "", "No title", "bribes", "40", "99z", "", "", "soon", ""]
    wb = filled(people["contributor"], pledges=[GOOD, bad])
    good_row(wb, "6(a)", "Inspections of recruiters")  # a clean evidence row in the same upload
    with pytest.raises(evidence_workbook.WorkbookProblems) as caught:
        import_(people["contributor"], wb)
    messages = {(p.sheet, p.row, p.column): p.message for p in caught.value.problems}
    assert messages[("Pledges", 3, "Title")] == "This cell is required."
    assert "Use one of" in messages[("Pledges", 3, "Type")]
    assert "40 is not an objective" in messages[("Pledges", 3, "Objectives")]
    assert "99(z) is not an action" in messages[("Pledges", 3, "Actions")]
    assert "Enter a date" in messages[("Pledges", 3, "Target: by when")]
    # Neither the good pledge nor the clean evidence row was imported.
    assert not Pledge.objects.exists() and not Evidence.objects.exists()


def test_evidence_and_pledges_import_together_idempotently_through_the_services(people):
    wb = filled(people["contributor"], pledges=[GOOD])
    good_row(wb, "6(a)", "Inspections of recruiters")
    summary = import_(people["contributor"], wb)
    assert [sheet for _row, _obj, sheet, _title in summary.created] == ["Evidence", "Pledges"]
    assert summary.created[1][0] == 2 and summary.as_session()["created"][1]["url"].startswith("/pledges/GCM-P-")
    pledge = Pledge.objects.get()
    assert pledge.member_state.iso3 == "MAR" and [a.code for a in pledge.actions.all()] == ["6(a)"]
    assert pledge.events.get().kind == Event.Kind.IMPORTED and Evidence.objects.count() == 1
    again = import_(people["contributor"], wb)
    assert (len(again.created), len(again.unchanged)) == (0, 2)
    assert Pledge.objects.count() == 1 and Evidence.objects.count() == 1
    pledge.refresh_from_db()
    assert pledge.version == 1
    # The downloaded workbook carries the identifier; a change makes one new version.
    wb = downloaded(people["contributor"])
    assert wb["Pledges"]["A2"].value == pledge.identifier
    wb["Pledges"]["B2"] = "Train 250 inspectors"
    assert len(import_(people["contributor"], wb).updated) == 1
    pledge.refresh_from_db()
    assert pledge.title == "Train 250 inspectors" and pledge.version == 2


def test_plan_items_sheet_fills_the_plan_being_drafted(people):
    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item()])
    rows = [["", "Migration data", "1", "1a", "survey", "1", "2026-12-31", "Statistics office", 50000, "usd"]]
    wb = filled(people["contributor"], items=rows)
    import_(people["contributor"], wb)
    plan.refresh_from_db()
    assert [i.priority for i in plan.items.all()] == ["Alternatives to detention", "Migration data"]
    assert plan.items.get(priority="Migration data").currency == "USD"
    version = plan.version
    import_(people["contributor"], downloaded(people["contributor"]))
    plan.refresh_from_db()
    assert plan.version == version  # the same items again: no new version


def test_another_state_without_a_plan_is_told_and_never_touches_anothers_plan(people, client):
    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item()])
    client.force_login(people["other_contributor"])
    wb = openpyxl.load_workbook(io.BytesIO(client.get(reverse("commitments:workbook_download")).content))
    wb["Plan items"].append(["", "Migration data", "1", "1a", "survey", "1", "2026-12-31", "Statistics office"])
    response = client.post(reverse("commitments:workbook"), {"file": upload(wb)})
    assert response.status_code == 200
    problems = [(p.sheet, p.message) for p in response.context["problems"]]
    assert ("Plan items", "Record your plan first (or open a new version of it).") in problems
    assert "Plan items" in response.content.decode()  # the sheet is named beside the problem
    assert plan.items.count() == 1


def test_a_workbook_downloaded_in_french_reads_back(people):
    with translation.override("fr"):
        wb = filled(people["contributor"], pledges=[GOOD])
        french = wb.sheetnames
    assert "Pledges" not in french  # the sheet and its headers are in French
    summary = import_(people["contributor"], wb)
    assert Pledge.objects.get().title == "Train 200 inspectors" and len(summary.created) == 1


@override_settings(LANGUAGE_CODE="en")
def test_the_old_pledges_workbook_address_leads_to_the_workbook(client, people):
    client.force_login(people["editor"])
    response = client.get("/workspace/pledges-workbook/")
    assert response.status_code == 301 and response["Location"] == PAGE
    page = client.get(PAGE)
    assert "The same workbook has a sheet for your pledges." in page.content.decode()
    client.force_login(people["analyst"])
    assert client.get(PAGE).status_code == 403
