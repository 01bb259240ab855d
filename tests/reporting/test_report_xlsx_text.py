"""Text in the compiled reports' workbook reads back exactly as it was written."""

import io
from datetime import UTC, datetime

import openpyxl
import pytest

from commitments.models import MemberState
from reporting import reports
from reporting.models import ReportKind
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def test_carriage_returns_survive_the_report_workbook(framework, settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    title = "Line one\r\nline two\rline three"
    EvidenceFactory(published=True, member_state=MemberState.objects.get(iso3="MAR"), title=title)
    report = reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=datetime(2030, 1, 1, tzinfo=UTC))
    assert reports.run_compile(report.pk, "t") == "complete"
    workbook = openpyxl.load_workbook(reports.file_path(report.files.get(format="xlsx")), read_only=True)
    values = {cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    assert title in values


def test_carriage_returns_survive_the_evidence_export(framework, client):
    """The streamed download (its writer escapes CR as &#13;) reads back with the CR intact."""
    title = "Line one\r\nline two"
    EvidenceFactory(published=True, member_state=MemberState.objects.get(iso3="MAR"), title=title)
    response = client.get("/evidence/export.xlsx?state=MAR")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert title in {cell for row in workbook.active.iter_rows(values_only=True) for cell in row}
