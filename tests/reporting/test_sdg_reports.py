"""Reports gain a section "Contribution to the 2030 Agenda": records by SDG target, results by indicator."""

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from commitments.indicators.models import EvidenceTarget, FrameworkItem, ResultMeasure
from commitments.models import EvidenceResult, MemberState
from reporting import reports
from reporting.models import ReportKind
from tests.factories import EvidenceFactory
from tests.reporting.test_reports import CUTOFF, compiled, national, reports_root  # noqa: F401

pytestmark = pytest.mark.django_db


def sdg(code):
    return FrameworkItem.objects.get(framework__code="sdg", code=code)


def measured(evidence, code, year, value):
    result = EvidenceResult.objects.create(evidence=evidence, indicator="Cost", value=value, unit="%", year=year)
    ResultMeasure.objects.create(result=result, item=sdg(code))


@pytest.fixture
def tagged(framework):
    mar, mex = MemberState.objects.get(iso3="MAR"), MemberState.objects.get(iso3="MEX")
    a = EvidenceFactory(published=True, member_state=mar, title="Fees")
    b = EvidenceFactory(published=True, member_state=mar, title="Remittances")
    c = EvidenceFactory(published=True, member_state=mex, title="Mexico")
    draft = EvidenceFactory(member_state=mar, title="Draft")
    for ev, codes in ((a, ["10.7", "8.8"]), (b, ["10.c", "10.7"]), (c, ["10.7"]), (draft, ["17.18"])):
        EvidenceTarget.objects.bulk_create(EvidenceTarget(evidence=ev, item=sdg(code)) for code in codes)
    measured(a, "10.7.1", 2023, "1.2")
    measured(a, "10.7.1", 2025, "0.9")
    measured(b, "10.c.1", 2025, "6.1")
    measured(c, "10.7.1", 2025, "3")
    measured(draft, "10.7.1", 2025, "99")
    return {"mar": mar}


def test_national_report_content_has_records_by_target_and_results_by_indicator(tagged):
    content = reports.compile_content(national(tagged["mar"]))
    assert [(t["target"], t["records"]) for t in content["sdg_targets"]] == [("8.8", 1), ("10.7", 2), ("10.c", 1)]
    assert content["sdg_targets"][1]["title"].startswith("Facilitate orderly, safe, regular")
    assert [
        (i["indicator"], i["results"], i["entities"], i["first_year"], i["last_year"])
        for i in content["sdg_indicators"]
    ] == [
        ("10.7.1", 2, 1, 2023, 2025),
        ("10.c.1", 1, 1, 2025, 2025),
    ]
    world = reports.compile_content(reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=CUTOFF))
    assert {t["target"]: t["records"] for t in world["sdg_targets"]}["10.7"] == 3
    assert world["sdg_indicators"][0]["entities"] == 2


def test_compiled_report_shows_the_section_in_html_xlsx_and_data(tagged):
    report = compiled(national(tagged["mar"]))
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    section = html.split('id="h-agenda"')[1].split("</section>")[0]
    assert "Contribution to the 2030 Agenda" in section and "10.7.1" in section and "17.18" not in section
    workbook = openpyxl.load_workbook(reports.file_path(report.files.get(format="xlsx")))
    assert [row[0].value for row in workbook["sdg_targets"].iter_rows(min_row=2)] == ["8.8", "10.7", "10.c"]
    with zipfile.ZipFile(reports.file_path(report.files.get(format="data"))) as archive:
        payload = json.loads(archive.read("data.json"))
    assert [i["indicator"] for i in payload["sdg_indicators"]] == ["10.7.1", "10.c.1"]


def test_a_report_without_sdg_links_says_so(framework):
    EvidenceFactory(published=True)
    report = compiled(national(MemberState.objects.get(iso3="MAR")))
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert "No record in this report is tagged with an SDG target." in html
