"""The plans and pledges workbook: all rows or none, row-by-row problems, idempotent re-upload."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.pledges import services, workbook
from commitments.pledges.models import Event, Pledge

from .conftest import item, plan_data

pytestmark = pytest.mark.django_db


def upload(wb):
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("filled.xlsx", out.getvalue())


def filled(user, pledges=(), items=()):
    wb = openpyxl.load_workbook(io.BytesIO(workbook.build(user)))
    for row in pledges:
        wb[workbook.PLEDGE_SHEET].append(row)
    for row in items:
        wb[workbook.ITEM_SHEET].append(row)
    return wb


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


def test_all_or_none_with_row_by_row_problems(people):
    bad = ["", "", "No title", "bribes", "40", "99z", "", "", "soon", ""]
    wb = filled(people["contributor"], pledges=[GOOD, bad])
    with pytest.raises(workbook.WorkbookProblems) as caught:
        workbook.import_workbook(user=people["contributor"], upload=upload(wb))
    messages = {(p.row, p.column): p.message for p in caught.value.problems}
    assert messages[(3, "Title")] == "This cell is required."
    assert "Use one of" in messages[(3, "Type")]
    assert "40 is not an objective" in messages[(3, "Objectives")]
    assert "99(z) is not an action" in messages[(3, "Actions")]
    assert "Enter a date" in messages[(3, "Target: by when")]
    assert not Pledge.objects.exists()  # the good row was not imported either


def test_import_is_idempotent_and_goes_through_the_services(people):
    wb = filled(people["contributor"], pledges=[GOOD])
    summary = workbook.import_workbook(user=people["contributor"], upload=upload(wb))
    assert summary.created == 1
    pledge = Pledge.objects.get()
    assert pledge.member_state.iso3 == "MAR" and [a.code for a in pledge.actions.all()] == ["6(a)"]
    assert pledge.events.get().kind == Event.Kind.IMPORTED
    again = workbook.import_workbook(user=people["contributor"], upload=upload(wb))
    assert (again.created, again.unchanged) == (0, 1) and Pledge.objects.count() == 1
    pledge.refresh_from_db()
    assert pledge.version == 1
    # The downloaded workbook carries the identifier; a change makes one new version.
    wb = filled(people["contributor"])
    wb[workbook.PLEDGE_SHEET]["B2"] = "Train 250 inspectors"
    assert workbook.import_workbook(user=people["contributor"], upload=upload(wb)).updated == 1
    pledge.refresh_from_db()
    assert pledge.title == "Train 250 inspectors" and pledge.version == 2


def test_plan_items_sheet_fills_the_plan_being_drafted(people, client):
    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item()])
    rows = [["", "Migration data", "1", "1a", "survey", "1", "2026-12-31", "Statistics office", 50000, "usd"]]
    wb = filled(people["contributor"], items=rows)
    workbook.import_workbook(user=people["contributor"], upload=upload(wb))
    plan.refresh_from_db()
    assert [i.priority for i in plan.items.all()] == ["Alternatives to detention", "Migration data"]
    assert plan.items.get(priority="Migration data").currency == "USD"
    version = plan.version
    workbook.import_workbook(user=people["contributor"], upload=upload(filled(people["contributor"])))
    plan.refresh_from_db()
    assert plan.version == version  # the same items again: no new version
    client.force_login(people["other_contributor"])
    response = client.post(reverse("pledges:workbook"), {"workbook": upload(wb)})
    assert response.status_code == 400 and "Record your plan first" in response.content.decode()
    assert plan.items.count() == 2  # another State's upload never touches MAR's plan


def test_page_downloads_and_refuses_what_is_not_a_workbook(client, people):
    client.force_login(people["editor"])
    response = client.get(reverse("pledges:workbook") + "?download=1")
    assert (
        response.status_code == 200
        and "plan_items" not in openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    )
    refused = client.post(reverse("pledges:workbook"), {"workbook": SimpleUploadedFile("x.xlsx", b"not a zip")})
    assert refused.status_code == 400 and "not an Excel workbook" in refused.content.decode()
    client.force_login(people["analyst"])
    assert client.get(reverse("pledges:workbook")).status_code == 403
