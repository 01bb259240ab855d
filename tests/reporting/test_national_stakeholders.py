"""A national report adds, as a separate and labelled section, the contributions of stakeholders
based in that State (para 53: national reviews draw on all relevant stakeholders). The State's
own figures and annex are unchanged: the section is beside them, never mixed in."""

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from commitments.models import Action, MemberState
from reporting import reports
from reporting.models import Report, ReportKind
from tests.factories import EvidenceFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
CUTOFF = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


@pytest.fixture
def world(framework):
    mar, mex = MemberState.objects.get(iso3="MAR"), MemberState.objects.get(iso3="MEX")
    here = OrganisationFactory(name="Rabat Migrant Aid", country=mar)
    elsewhere = OrganisationFactory(name="Mexico City Shelter", country=mex)
    nowhere = OrganisationFactory(name="Global Network", country=None)
    EvidenceFactory(published=True, member_state=mar, title="State measure")
    EvidenceFactory(
        published=True,
        member_state=None,
        organisation=here,
        title="Legal aid in Rabat",
        primary_action=Action.objects.get(code="16(a)"),
    )
    EvidenceFactory(member_state=None, organisation=here, title="Unpublished draft in Rabat")
    EvidenceFactory(published=True, member_state=None, organisation=here, title="Older cycle", cycle=2)
    EvidenceFactory(published=True, member_state=None, organisation=elsewhere, title="Shelter in Mexico")
    EvidenceFactory(published=True, member_state=None, organisation=nowhere, title="Global campaign")
    return {"mar": mar}


def compiled(report):
    assert reports.run_compile(report.pk, "t") == "complete", Report.objects.get(pk=report.pk).error
    return Report.objects.get(pk=report.pk)


def test_the_section_holds_only_published_records_of_stakeholders_based_in_the_state(world):
    report = reports.request_report(kind=ReportKind.NATIONAL, cycle=3, member_state=world["mar"], data_cutoff=CUTOFF)
    content = reports.compile_content(report)
    rows = content["stakeholders_in_state"]
    assert [(r["organisation"], r["title"], r["primary_action"]) for r in rows] == [
        ("Rabat Migrant Aid", "Legal aid in Rabat", "16(a)")
    ]
    assert content["stakeholders_in_state_summary"]["organisations"] == 1
    # The State's own figures and annex are unchanged.
    assert content["totals"]["records"] == 1
    assert {r["title"] for r in reports.annex_records(report)} == {"State measure"}


def test_every_format_labels_the_section(world):
    report = compiled(
        reports.request_report(kind=ReportKind.NATIONAL, cycle=3, member_state=world["mar"], data_cutoff=CUTOFF)
    )
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert "Contributions of stakeholders based in Morocco" in html and "Legal aid in Rabat" in html
    assert "Shelter in Mexico" not in html
    workbook = openpyxl.load_workbook(reports.file_path(report.files.get(format="xlsx")))
    assert "stakeholders_in_state" in workbook.sheetnames
    with zipfile.ZipFile(reports.file_path(report.files.get(format="data"))) as archive:
        payload = json.loads(archive.read("data.json"))
        assert "stakeholders_in_state.csv" in archive.namelist()
    assert payload["stakeholders_in_state"][0]["title"] == "Legal aid in Rabat"


def test_other_reports_have_no_such_section(world):
    report = reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=CUTOFF)
    content = reports.compile_content(report)
    assert content["stakeholders_in_state"] is None
