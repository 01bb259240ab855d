"""The workbook in the user's language, read back whichever language it was downloaded in."""

import datetime
import io

import openpyxl
from django.utils import translation
from django.utils.translation import gettext

from commitments.models import Evidence
from tests.commitments.test_workbook import amina, as_upload, row_of  # noqa: F401 (fixture)


def test_a_workbook_downloaded_in_french_imports_from_the_english_page(amina, client):  # noqa: F811
    response = client.get("/fr/workspace/workbook/download/")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    with translation.override("fr"):
        header = {key: gettext(key) for key in ("Title", "Description", "Status", "Level", "Partners")}
        header["Start date"] = gettext("Start date")
        under_way = str(Evidence.Status.UNDER_WAY.label)
        national = str(Evidence.Level.NATIONAL.label)
        civil_society = gettext("Civil society organizations")
    ws = wb.worksheets[0]
    heads = {cell.value: cell.column for cell in ws[1]}
    assert header["Title"] in heads and header["Title"] != "Title"  # headers in French
    lists = {str(v) for sheet in wb.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v}
    assert under_way in lists and civil_society in lists  # lists in French
    row = row_of(ws, "13(a)")
    values = {
        "Title": "Alternatives à la détention",
        "Description": "Gestion des cas.",
        "Status": under_way,
        "Level": national,
        "Partners": civil_society,
        "Start date": datetime.date(2023, 1, 15),
    }
    for key, value in values.items():
        ws.cell(row=row, column=heads[header[key]]).value = value
    response = client.post("/workspace/workbook/", {"file": as_upload(wb)}, follow=True)
    assert response.status_code == 200, response.content.decode()[:500]
    evidence = Evidence.objects.get(title="Alternatives à la détention")
    assert evidence.status == Evidence.Status.UNDER_WAY and evidence.level == Evidence.Level.NATIONAL
    assert [p.slug for p in evidence.partners.all()] == ["civil-society"]
