"""Bulk entry by workbook: download the template, fill it offline, import all rows as drafts or none."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments import services, workbook
from commitments.models import Action, Evidence, EvidenceEvent
from tests.factories import OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
PAGE = "/workspace/workbook/"
DOWNLOAD = "/workspace/workbook/download/"


@pytest.fixture
def amina(framework, client):
    user = make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    client.force_login(user)
    return user


def download(client):
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def columns(ws):
    return {cell.value: cell.column for cell in ws[1]}


def row_of(ws, code):
    return next(row for row in range(2, ws.max_row + 1) if ws.cell(row=row, column=1).value == code)


def fill(wb, code, **values):
    """Fill the row of action `code`; keys are headers with spaces as underscores (Start_date=...)."""
    ws = wb["Evidence"]
    heads, row = columns(ws), row_of(ws, code)
    for name, value in values.items():
        ws.cell(row=row, column=heads[name.replace("_", " ")]).value = value
    return row


def good_row(wb, code, title, **extra):
    values = {
        "Title": title,
        "Description": f"What was done for {code}.",
        "Status": "Under way (limited)",
        "Level": "National",
        "Start_date": datetime.date(2023, 1, 15),
        "Guiding_principles": "f;h",
        "Partners": "Civil society organizations; academia",
        "Links": "https://example.org/a https://example.org/b",
        "Good_practice": "Yes",
    }
    return fill(wb, code, **{**values, **extra})


def as_upload(wb, name="evidence.xlsx"):
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def upload(client, wb, follow=True):
    return client.post(PAGE, {"file": as_upload(wb)}, follow=follow)


def problems(response):
    return [(p.row, p.column, p.message) for p in response.context["problems"]]


# --- Download -------------------------------------------------------------------------------------


def test_downloaded_workbook_has_every_action_in_order_with_lists_and_instructions(amina, client):
    wb = download(client)
    assert wb.sheetnames == ["Evidence", "Instructions", "Lists", "Pledges", "Plan items"]
    ws = wb["Evidence"]
    expected = list(Action.objects.order_by("objective__number", "letter").values_list("code", flat=True))
    assert len(expected) == 187
    assert [ws.cell(row=r, column=1).value for r in range(2, 189)] == expected
    assert ws.max_row == 188 and ws.freeze_panes == "B2"
    assert list(columns(ws))[:5] == ["Action code", "Objective", "Action text", "Record ID", "Title"]
    assert ws.cell(row=2, column=3).value == Action.objects.get(code="1(a)").text
    assert ws.column_dimensions["D"].hidden and ws.cell(row=2, column=1).fill.fgColor.rgb.endswith("E7EAED")
    status = next(dv for dv in ws.data_validations.dataValidation if "G2" in str(dv.sqref))
    sheet, cells = status.formula1.split("!")
    labels = [row[0].value for row in wb[sheet.strip("'")][cells.replace("$", "")]]
    assert labels == ["Planned (not started)", "Under way (limited)", "Advanced (substantial)", "Completed"]
    instructions = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "Morocco" in instructions and "gcm-evidence/1 state:MAR" in instructions
    assert "nothing is imported" in instructions


def test_download_needs_an_entity_and_a_login(framework, client):
    response = client.get(DOWNLOAD)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(PAGE).status_code == 302
    client.force_login(make_user(Role.ANALYST, username="analyst"))
    assert client.get(DOWNLOAD).status_code == 403
    assert client.get(PAGE).status_code == 403


def test_page_shows_download_and_upload_form(amina, client):
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("commitments:workbook_download") in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_file">' in html


def test_an_organisation_gets_its_own_workbook(framework, client):
    org = OrganisationFactory(name="Migrant Rights Network")
    client.force_login(make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo"))
    wb = download(client)
    good_row(wb, "2(a)", "Legal aid desk")
    response = upload(client, wb)
    assert response.status_code == 200
    assert Evidence.objects.get(title="Legal aid desk").organisation == org


# --- Refusals: nothing written --------------------------------------------------------------------


def test_a_bad_row_imports_nothing_and_every_problem_is_named(amina, client):
    wb = download(client)
    good_row(wb, "1(a)", "Migration data strategy")
    bad = good_row(
        wb,
        "13(a)",
        "Alternatives to detention",
        Status="Started",
        Start_date=datetime.date(2024, 5, 1),
        End_date=datetime.date(2024, 1, 1),
        Guiding_principles="f;z",
        Links="javascript:alert(1)",
    )
    other = good_row(wb, "13(b)", "x" * 301, Description=None, Other_actions="99(z)")
    before = Evidence.objects.count()
    response = upload(client, wb)
    assert response.status_code == 200
    assert Evidence.objects.count() == before and not EvidenceEvent.objects.exists()
    found = problems(response)
    assert (
        bad,
        "Status",
        "'Started' is not one of: Planned (not started), Under way (limited), Advanced (substantial), Completed.",
    ) in found
    assert (bad, "End date", "The end date is before the start date.") in found
    assert any(p[:2] == (bad, "Guiding principles") and "'z'" in p[2] for p in found)
    assert any(p[:2] == (bad, "Links") and "http" in p[2] for p in found)
    assert any(p[:2] == (other, "Title") and "301" in p[2] for p in found)
    assert (other, "Description", "A description is required when the row has a title.") in found
    assert any(p[:2] == (other, "Other actions") and "99(z)" in p[2] for p in found)
    html = response.content.decode()
    assert f"<td>{bad}</td><td>Status</td>" in html and "nothing was imported" in html


def test_bad_dates_formulas_and_content_without_title_are_problems(amina, client):
    wb = download(client)
    dated = good_row(wb, "1(b)", "Survey", Start_date="next spring")
    formula = good_row(wb, "1(c)", "Census round", Description="=A1&B1")
    orphan = fill(wb, "1(d)", Description="Forgot the title")
    broken = good_row(wb, "1(e)", "Registry", Level="#N/A")
    response = upload(client, wb)
    found = problems(response)
    assert (broken, "Level", "This cell shows the error #N/A; type the value instead.") in found
    assert any(p[:2] == (dated, "Start date") and "'next spring' is not a date" in p[2] for p in found)
    assert (formula, "Description", "This cell contains a formula; type the value instead.") in found
    assert any(p[:2] == (orphan, "Title") for p in found)
    assert not Evidence.objects.exists()


def test_a_workbook_of_another_state_is_refused(framework, client):
    lucia = make_user(Role.FOCAL_POINT, state="MEX", username="lucia")
    client.force_login(lucia)
    wb = download(client)
    good_row(wb, "1(a)", "Mexican measure")
    client.force_login(make_user(Role.CONTRIBUTOR, state="MAR", username="amina"))
    response = upload(client, wb)
    assert response.status_code == 200
    assert "This workbook was made for Mexico, and you report for Morocco." in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "content", [b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"title,description\nA,B\n", b"PK\x03\x04broken zip"]
)
def test_a_file_that_is_not_a_workbook_gets_a_plain_message(amina, client, content):
    response = client.post(PAGE, {"file": SimpleUploadedFile("evidence.xlsx", content)})
    assert response.status_code == 200
    assert "This file is not an Excel workbook (.xlsx). Download the template and fill it in." in (
        response.content.decode()
    )
    assert not Evidence.objects.exists()


def test_missing_columns_and_sheets_are_named(amina, client):
    wb = download(client)
    wb["Evidence"].delete_cols(7)  # Status
    response = upload(client, wb)
    assert "has no column &#x27;Status&#x27; in its first row" in response.content.decode()
    wb = download(client)
    wb["Evidence"].title = "Sheet1"
    response = upload(client, wb)
    assert "The workbook has no sheet named &#x27;Evidence&#x27;" in response.content.decode()


def test_a_workbook_without_its_marker_or_too_big_unpacked_is_refused(amina, client, monkeypatch):
    wb = download(client)
    good_row(wb, "1(a)", "Unmarked")
    marked = as_upload(wb)
    for row in wb["Instructions"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("gcm-evidence/"):
                cell.value = None
    response = upload(client, wb)
    assert "says whom it was made for" in response.content.decode()
    monkeypatch.setattr(workbook, "MAX_UNZIPPED_MB", 0)
    response = client.post(PAGE, {"file": marked})
    assert "holds too much data to be read" in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_same_record_id_on_two_rows_is_a_problem(amina, client):
    wb = download(client)
    good_row(wb, "13(a)", "Alternatives to detention")
    upload(client, wb)
    wb = download(client)
    ws = wb["Evidence"]
    heads = columns(ws)
    record = ws.cell(row=row_of(ws, "13(a)"), column=heads["Record ID"]).value
    copy = good_row(wb, "13(b)", "Copied row", Record_ID=record)
    response = upload(client, wb)
    assert (copy, "Record ID", f"The same Record ID is in row {row_of(ws, '13(a)')}.") in problems(response)
    assert Evidence.objects.count() == 1


def test_an_oversized_file_is_refused(amina, client, settings):
    settings.MAX_UPLOAD_MB = 0
    wb = download(client)
    good_row(wb, "1(a)", "Too big")
    response = upload(client, wb)
    assert "a workbook can be at most 0 MB" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_upload_without_a_file_says_so(amina, client):
    response = client.post(PAGE, {})
    assert response.status_code == 200
    assert "Choose the completed workbook (.xlsx) to upload." in response.content.decode()


# --- Import ---------------------------------------------------------------------------------------


def test_a_good_workbook_imports_every_row_as_a_draft_through_the_services(amina, client):
    wb = download(client)
    good_row(wb, "1(a)", "Migration data strategy", Other_actions="1(b); 23c")
    good_row(wb, "13(a)", "Alternatives to detention", Groups_reached="children", Good_practice="No")
    response = upload(client, wb)
    assert response.status_code == 200
    assert "2 drafts created" in response.content.decode()
    rows = Evidence.objects.order_by("title")
    assert [e.title for e in rows] == ["Alternatives to detention", "Migration data strategy"]
    for evidence in rows:
        assert evidence.review_state == Evidence.ReviewState.DRAFT and not evidence.is_published
        assert evidence.member_state.iso3 == "MAR" and evidence.created_by == amina
        assert EvidenceEvent.objects.get(record=evidence.record).kind == EvidenceEvent.Kind.IMPORTED
    data = Evidence.objects.get(title="Migration data strategy")
    assert data.primary_action.code == "1(a)" and data.status == Evidence.Status.UNDER_WAY
    assert sorted(a.code for a in data.other_actions.all()) == ["1(b)", "23(c)"]
    assert sorted(p.letter for p in data.principles.all()) == ["f", "h"]
    assert sorted(p.slug for p in data.partners.all()) == ["academia", "civil-society"]
    assert [link.url for link in data.links.all()] == ["https://example.org/a", "https://example.org/b"]
    assert data.start_date == datetime.date(2023, 1, 15) and data.good_practice
    atd = Evidence.objects.get(title="Alternatives to detention")
    assert [g.slug for g in atd.groups_reached.all()] == ["children"] and not atd.good_practice


def test_uploading_again_creates_no_duplicates_and_updates_in_place(amina, client):
    wb = download(client)
    good_row(wb, "1(a)", "Migration data strategy")
    row = good_row(wb, "13(a)", "Alternatives to detention")
    upload(client, wb)
    first = {e.title: (e.pk, e.version) for e in Evidence.objects.all()}

    response = upload(client, wb)
    assert "2 unchanged" in response.content.decode()
    assert {e.title: (e.pk, e.version) for e in Evidence.objects.all()} == first

    wb["Evidence"].cell(row=row, column=columns(wb["Evidence"])["Status"], value="Completed")
    upload(client, wb)
    atd = Evidence.objects.get(title="Alternatives to detention")
    assert Evidence.objects.count() == 2 and atd.pk == first["Alternatives to detention"][0]
    assert atd.status == Evidence.Status.COMPLETED and atd.version == 2
    event = EvidenceEvent.objects.filter(record=atd.record).last()
    assert event.kind == EvidenceEvent.Kind.IMPORTED and event.changes == {"status": ["under_way", "completed"]}


def test_a_fresh_download_carries_record_ids_so_a_new_title_updates_the_same_draft(amina, client):
    wb = download(client)
    good_row(wb, "13(a)", "Alternatives to detention")
    upload(client, wb)
    created = Evidence.objects.get()

    wb = download(client)
    ws = wb["Evidence"]
    heads, row = columns(ws), row_of(ws, "13(a)")
    assert ws.cell(row=row, column=heads["Record ID"]).value == str(created.record)
    assert ws.cell(row=row, column=heads["Title"]).value == "Alternatives to detention"
    assert "unchanged" in upload(client, wb).content.decode()
    ws.cell(row=row, column=heads["Title"], value="Alternatives to detention for families")
    response = upload(client, wb)
    assert "1 draft updated" in response.content.decode()
    updated = Evidence.objects.get()
    assert (updated.pk, updated.record, updated.title) == (
        created.pk,
        created.record,
        "Alternatives to detention for families",
    )


def test_a_record_id_that_is_no_longer_a_draft_is_refused(amina, client):
    wb = download(client)
    good_row(wb, "13(a)", "Alternatives to detention")
    upload(client, wb)
    wb = download(client)
    services.evidence_submit(user=amina, evidence=Evidence.objects.get())
    fill(wb, "13(a)", Title="Changed after submitting")
    response = upload(client, wb)
    row = row_of(wb["Evidence"], "13(a)")
    assert any(p[:2] == (row, "Record ID") and "not one of your drafts" in p[2] for p in problems(response))
    assert Evidence.objects.get().title == "Alternatives to detention"


def test_text_that_looks_like_a_formula_round_trips_as_text(amina, client):
    wb = download(client)
    row = good_row(wb, "1(a)", "Data", Challenges="-")
    cell = wb["Evidence"].cell(row=row, column=columns(wb["Evidence"])["Description"])
    cell.value, cell.data_type = "=cmd|' /C calc'!A0", "s"
    upload(client, wb)
    assert Evidence.objects.get().description == "=cmd|' /C calc'!A0"
    again = download(client)["Evidence"]
    written = again.cell(row=row_of(again, "1(a)"), column=columns(again)["Description"])
    assert written.data_type == "s" and written.value == "=cmd|' /C calc'!A0"


def test_import_query_count_is_bounded(amina, client, django_assert_max_num_queries):
    wb = download(client)
    codes = list(Action.objects.order_by("objective__number", "letter").values_list("code", flat=True)[:20])
    for n, code in enumerate(codes):
        good_row(wb, code, f"Measure {n}", Groups_reached="children; migrant-women")
    upload_file = as_upload(wb)
    # About 25 queries for each row the services write (row, m2m, links, event with its snapshot; measured
    # 533 for 20 rows, one per row the principles' links Django reads first because the rollups listen
    # to their changes) plus a constant for the vocabularies and the entity's drafts; never one per cell.
    with django_assert_max_num_queries(26 * len(codes) + 30):
        response = client.post(PAGE, {"file": upload_file})
    assert response.status_code == 302
    assert Evidence.objects.count() == 20
    with django_assert_max_num_queries(25):
        response = client.post(PAGE, {"file": as_upload(wb)})
    assert response.status_code == 302 and Evidence.objects.count() == 20


def test_a_service_refusal_rolls_back_every_row(amina, client, monkeypatch):
    wb = download(client)
    good_row(wb, "1(a)", "First")
    failing = good_row(wb, "1(b)", "Second")
    real_create = services.evidence_create

    def create(*, user, data, kind):
        if data["title"] == "Second":
            raise services.WorkflowError("The State's reporting is closed.")
        return real_create(user=user, data=data, kind=kind)

    monkeypatch.setattr(workbook.services, "evidence_create", create)
    response = upload(client, wb)
    assert (failing, "Record ID", "The State's reporting is closed.") in problems(response)
    assert not Evidence.objects.exists() and not EvidenceEvent.objects.exists()
