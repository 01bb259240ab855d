"""Reports: the national report's "Implementation plan and pledges", the global counts."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from commitments import services as evidence_services
from commitments.models import Action
from reporting import reports
from reporting.models import ReportKind

from .conftest import published_plan, published_pledge

pytestmark = pytest.mark.django_db
CUTOFF = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"


def linked_evidence(people, *targets):
    ev = evidence_services.evidence_create(
        user=people["contributor"],
        data={
            "title": "Case management pilot",
            "description": "Pilot.",
            "primary_action": Action.objects.get(code="13(a)"),
            "status": "completed",
            "level": "national",
            "delivers_on": list(targets),
        },
    )
    ev = evidence_services.evidence_submit(user=people["contributor"], evidence=ev)
    return evidence_services.evidence_validate(user=people["focal"], evidence=ev)


def test_national_report_has_the_plan_and_pledges_beside_the_evidence(people, reports_root):
    plan = published_plan(people)
    target = plan.items.first()
    pledge = published_pledge(people)
    linked_evidence(people, f"plan-item:{target.key}", pledge.identifier)
    report = reports.request_report(
        kind=ReportKind.NATIONAL, cycle=3, member_state=plan.member_state, data_cutoff=CUTOFF
    )
    section = reports.compile_content(report)["commitments"]["national"]
    assert section["plans"][0]["title"] == plan.title
    row = next(i for i in section["items"] if i["priority"] == target.priority)
    assert row["status"] == "Pledged" and row["evidence_records"] == 1 and "Completed: 1" in row["evidence_by_status"]
    assert section["pledges"][0]["identifier"] == pledge.identifier and section["pledges"][0]["evidence_records"] == 1
    assert reports.run_compile(report.pk, "task-1") == "complete"
    report.refresh_from_db()
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert "Implementation plan and pledges" in html and target.priority in html and pledge.identifier in html


def test_the_document_shows_the_first_plan_items_and_pledges_and_the_files_hold_all(people, reports_root, monkeypatch):
    """A State may hold thousands of pledges (a 22-second PDF at a million records): the HTML and
    PDF list the first COMMITMENTS_PREVIEW_ROWS and say where the rest are; the XLSX sheets and the
    data files hold every one."""
    import zipfile

    from reporting import report_layout

    monkeypatch.setattr(report_layout, "COMMITMENTS_PREVIEW_ROWS", 1)
    plan = published_plan(people)
    pledges = [published_pledge(people, title=f"Pledge number {n}") for n in range(3)]
    report = reports.request_report(
        kind=ReportKind.NATIONAL, cycle=3, member_state=plan.member_state, data_cutoff=CUTOFF
    )
    assert reports.run_compile(report.pk, "task-1") == "complete"
    report.refresh_from_db()
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    shown = [p for p in pledges if p.identifier in html]
    assert len(shown) == 1, "one pledge in the document"
    assert "The first 1 of 3 pledges are listed here" in html
    assert "The first 1 of 2 plan items are listed here" in html
    with zipfile.ZipFile(reports.file_path(report.files.get(format="data"))) as data:
        csv_text = data.read("pledges.csv").decode()
        assert all(p.identifier in csv_text for p in pledges)
        assert data.read("plan_items.csv").decode().count("\r\n") == 3  # the header and both items
        assert b'"commitments"' in data.read("data.json")
    with zipfile.ZipFile(reports.file_path(report.files.get(format="xlsx"))) as book:
        sheets = b"".join(book.read(n) for n in book.namelist() if n.startswith("xl/"))
        assert all(p.identifier.encode() in sheets for p in pledges)
        assert b"plan_items" in book.read("xl/workbook.xml")


def test_national_report_respects_the_cut_off_and_the_state(people):
    published_plan(people)
    published_pledge(people, user="other_contributor", reviewer="other_state", title="Mexican pledge")
    early = reports.request_report(
        kind=ReportKind.NATIONAL,
        cycle=3,
        member_state=people["contributor"].profile.member_state,
        data_cutoff=datetime(2000, 1, 1, tzinfo=UTC),
    )
    section = reports.compile_content(early)["commitments"]["national"]
    assert section == {"plans": [], "items": [], "pledges": []}


def test_global_report_counts_pledges_and_plan_adoption_by_region(people):
    published_plan(people)
    published_pledge(people)
    published_pledge(people, user="editor", reviewer="secretariat", kind="financial", objectives=[])
    content = reports.compile_content(reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=CUTOFF))
    section = content["commitments"]["global"]
    assert section["total"] == 2
    assert {k["kind"]: k["pledges"] for k in section["by_kind"]} == {
        "financial": 1,
        "human_resources": 1,
        "process": 0,
        "policy": 0,
    }
    assert {s["status"]: s["pledges"] for s in section["by_status"]}["pledged"] == 2
    assert section["by_objective"] == [{"objective": 6, "pledges": 1}]
    africa = next(r for r in section["plans_by_region"] if r["region"] == "Africa")
    assert africa["with_plan"] == 1 and africa["states"] > 50


def test_cycle_reminders_include_plan_items_and_pledges_near_or_past(people, mailoutbox):
    import datetime

    from reporting import schedule

    from .conftest import item

    today = datetime.date(2027, 6, 1)
    published_plan(
        people,
        items=[
            item("Due soon", target_date=today + datetime.timedelta(days=10)),
            item("Just missed", "1(a)", target_date=today - datetime.timedelta(days=5)),
            item("Far away", "2(a)", target_date=today + datetime.timedelta(days=400)),
        ],
    )
    published_pledge(people, title="Inspectors pledge", target_date=today + datetime.timedelta(days=20))
    assert schedule.send_reminders(today) >= 1
    body = next(m.body for m in mailoutbox if m.to == ["youssef@example.org"])
    assert "Due soon: 2027-06-11" in body and "Just missed: 2027-05-27 (overdue)" in body
    assert "Inspectors pledge" in body and "Far away" not in body
