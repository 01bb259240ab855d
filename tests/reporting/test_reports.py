"""Compiled reports: what they contain, who sees them, snapshots that never change, and the pages."""

import csv
import hashlib
import io
import json
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.models import Action, Evidence, GuidingPrinciple, MemberState, Objective
from monitor.queue import BrokerUnavailable
from reporting import reports
from reporting.models import ImmutableReport, Report, ReportFile, ReportKind
from tests.factories import EvidenceFactory, OrganisationFactory, Role, bulk_published, make_user

pytestmark = pytest.mark.django_db
CUTOFF = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def reports_root(settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    return settings.REPORTS_ROOT


@pytest.fixture
def evidence(framework):
    mar, mex = MemberState.objects.get(iso3="MAR"), MemberState.objects.get(iso3="MEX")
    a13, a1 = Action.objects.get(code="13(a)"), Action.objects.get(code="1(a)")
    done = EvidenceFactory(published=True, member_state=mar, primary_action=a13, status="completed", good_practice=True)
    done.principles.set(GuidingPrinciple.objects.filter(letter__in=["f", "h"]))
    done.other_actions.set([Action.objects.get(code="13(h)")])
    EvidenceFactory(published=True, member_state=mar, primary_action=a1, status="planned", cycle=2)
    EvidenceFactory(published=True, member_state=mar, primary_action=a1, title='=HYPERLINK("http://x")')
    EvidenceFactory(published=True, member_state=mex, primary_action=a13, title="Mexico published")
    EvidenceFactory(member_state=mex, primary_action=a13, title="Mexico draft")
    EvidenceFactory(member_state=mar, primary_action=a1, title="Morocco draft <script>alert(1)</script>")
    org = OrganisationFactory(country=mex)
    EvidenceFactory(published=True, member_state=None, organisation=org, primary_action=a1, title="NGO measure")
    return {"mar": mar, "mex": mex, "done": done}


def national(state, **kwargs):
    return reports.request_report(kind=ReportKind.NATIONAL, cycle=3, member_state=state, data_cutoff=CUTOFF, **kwargs)


def compiled(report):
    assert reports.run_compile(report.pk, f"task-{report.pk}") == "complete", Report.objects.get(pk=report.pk).error
    report.refresh_from_db()
    return report


def titles(report):
    return {r["title"] for r in reports.annex_records(report)}


def test_national_report_never_includes_another_states_records(evidence):
    published_only = national(evidence["mar"])
    assert titles(published_only) == {evidence["done"].title, '=HYPERLINK("http://x")'}
    with_drafts = national(evidence["mar"], include_unpublished=True)
    assert titles(with_drafts) == {
        evidence["done"].title,
        '=HYPERLINK("http://x")',
        "Morocco draft <script>alert(1)</script>",
    }
    for report in (published_only, with_drafts):
        rows = reports.annex_records(report)
        assert {r["member_state"] for r in rows} == {"MAR"}
        assert not {"Mexico published", "Mexico draft", "NGO measure"} & {r["title"] for r in rows}


def test_content_coverage_status_change_principles_participation(evidence):
    content = reports.compile_content(reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=CUTOFF))
    assert content["totals"]["records"] == 4
    assert content["coverage"] == {
        "actions_total": 187,
        "actions_covered": 3,
        "objectives_total": 23,
        "objectives_covered": 2,
    }
    assert {s["status"]: s["records"] for s in content["status"]} == {
        "planned": 0,
        "under_way": 3,
        "advanced": 0,
        "completed": 1,
    }
    change = {row["measure"]: (row["previous_cycle"], row["this_cycle"]) for row in content["change"]}
    assert change["Actions with evidence"] == (1, 3) and change["Planned (not started)"] == (1, 0)
    assert content["principles"] == [
        {"principle": "(f)", "name": "Human rights", "records": 1},
        {"principle": "(h)", "name": "Child-sensitive", "records": 1},
    ]
    assert {p["entity_type"]: p["records"] for p in content["participation"]} == {
        "Civil society organizations": 1,
        "Member States": 3,
    }
    assert [g["title"] for g in content["good_practices_preview"]] == [evidence["done"].title]
    assert content["good_practices_total"] == 1 and content["annex_total"] == 4
    objective_13 = next(o for o in content["objectives"] if o["number"] == 13)
    assert objective_13["actions_covered"] == 2 and objective_13["records"] == 2


def test_cut_off_and_scopes(evidence):
    late = EvidenceFactory(published=True, member_state=evidence["mar"], title="Late")
    Evidence.objects.filter(pk=late.pk).update(validated_at=datetime(2031, 1, 1, tzinfo=UTC))
    assert "Late" not in titles(national(evidence["mar"]))
    regional = reports.request_report(kind=ReportKind.REGIONAL, cycle=3, region="Americas", data_cutoff=CUTOFF)
    assert titles(regional) == {"Mexico published", "NGO measure"}
    objective = reports.request_report(
        kind=ReportKind.OBJECTIVE, cycle=3, objective=Objective.objects.get(number=13), data_cutoff=CUTOFF
    )
    assert titles(objective) == {evidence["done"].title, "Mexico published"}
    stakeholders = reports.request_report(kind=ReportKind.STAKEHOLDER, cycle=3, data_cutoff=CUTOFF)
    assert titles(stakeholders) == {"NGO measure"}


def test_same_data_and_cutoff_give_identical_data_files(evidence, reports_root):
    first, second = compiled(national(evidence["mar"])), compiled(national(evidence["mar"]))
    assert (first.version, second.version) == (1, 2)
    one, two = first.files.get(format="data"), second.files.get(format="data")
    assert one.sha256 == two.sha256
    data = Path(reports.file_path(one)).read_bytes()
    assert hashlib.sha256(data).hexdigest() == one.sha256 and one.size == len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == sorted(archive.namelist())
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        payload = json.loads(archive.read("data.json"))
        records = list(csv.reader(io.StringIO(archive.read("records.csv").decode())))
    assert "generated" not in json.dumps(payload).lower()
    assert payload["scope"]["data_cutoff"] == "2030-01-01T00:00:00+00:00"
    # Formula neutralisation in CSV and XLSX.
    title_column = records[0].index("title")
    assert '\'=HYPERLINK("http://x")' in [row[title_column] for row in records[1:]]
    workbook = openpyxl.load_workbook(reports.file_path(first.files.get(format="xlsx")))
    assert workbook.sheetnames == [
        "summary",
        "objectives",
        "status",
        "change",
        "principles",
        "participation",
        "sdg_targets",
        "sdg_indicators",
        "stakeholders_in_state",  # national reports: para 53 (tests/reporting/test_national_stakeholders.py)
        "plan_items",  # national reports: the State's plan and pledges (tests/pledges/test_reports.py)
        "pledges",
        "good_practices",
        "records",
    ]
    assert '\'=HYPERLINK("http://x")' in [c.value for c in workbook["records"]["F"]]


def test_html_is_self_contained_and_escapes_user_data(evidence):
    report = compiled(national(evidence["mar"], include_unpublished=True))
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js inline
    assert "partial bundle: bar, heatmap, choropleth, scattergeo" in html  # the site's own, a third of the full
    assert '<script src="http' not in html and "<link" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert Path(reports.file_path(report.files.get(format="pdf"))).read_bytes().startswith(b"%PDF")


def test_a_complete_report_is_immutable_and_compiled_once(evidence):
    report = compiled(national(evidence["mar"]))
    assert report.status == Report.Status.COMPLETE and report.progress == 100 and report.files.count() == 4
    shas = sorted(report.files.values_list("sha256", flat=True))
    assert reports.run_compile(report.pk, "another-task") == "not-claimed"
    assert reports.run_compile(report.pk, f"task-{report.pk}") == "not-claimed"
    assert sorted(report.files.values_list("sha256", flat=True)) == shas
    report.error = "changed"
    with pytest.raises(ImmutableReport):
        report.save()
    with pytest.raises(ImmutableReport):
        ReportFile(report=report, format="pdf", path="x", size=1, sha256="0" * 64).save()


def test_a_failure_is_recorded_with_its_reason(evidence, monkeypatch):
    report = national(evidence["mar"])

    def broken(report, content, path):
        raise ValueError("the template is broken")

    monkeypatch.setattr("reporting.render.FORMATS", [("html", "html", broken)])
    assert reports.run_compile(report.pk, "t") == "failed"
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and "the template is broken" in report.error
    assert not report.files.exists() and list(Path(reports.report_dir(report)).parent.iterdir()) == []


def test_one_format_failing_fails_the_report_with_its_reason_and_removes_every_partial_file(evidence, monkeypatch):
    from reporting.models import ReportPart
    from reporting.render import html

    report = national(evidence["mar"])

    def broken(report, content, path):
        with open(path, "w") as handle:  # a half-written file, to be removed
            handle.write("partial")
        raise ValueError("no fonts")

    monkeypatch.setattr("reporting.render.FORMATS", [("html", "html", html.render), ("pdf", "pdf", broken)])
    assert reports.run_compile(report.pk, "t") == "failed"
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert "PDF" in report.error and "no fonts" in report.error
    states = dict(report.parts.values_list("format", "state"))
    assert states == {"html": ReportPart.State.DONE, "pdf": ReportPart.State.FAILED}
    assert not report.files.exists() and list(Path(reports.report_dir(report)).parent.iterdir()) == []


def test_every_format_is_a_part_with_its_checksum_and_the_page_shows_each(evidence, client):
    report = compiled(national(evidence["mar"]))
    parts = {p.format: p for p in report.parts.all()}
    files = {f.format: f for f in report.files.all()}
    assert set(parts) == set(files) == {"html", "pdf", "xlsx", "data"}
    assert all(parts[f].sha256 == files[f].sha256 and parts[f].size == files[f].size for f in files)
    client.force_login(make_user(Role.SECRETARIAT))
    status = client.get(reverse("reporting:report_status", args=[report.pk])).json()
    assert {p["format"]: p["state"] for p in status["parts"]} == dict.fromkeys(files, "done")
    # While compiling, the page lists each format with its state.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING)
    report.parts.filter(format="pdf").update(state="running")
    page = client.get(reverse("reporting:report", args=[report.pk])).content.decode()
    assert 'id="report-parts"' in page and 'data-format="pdf"' in page and "Writing" in page


# --- Pages ------------------------------------------------------------------------------------


def test_who_sees_which_report(evidence, client):
    public = compiled(national(evidence["mar"]))
    private = compiled(national(evidence["mar"], include_unpublished=True))
    urls = [
        reverse("reporting:report", args=[private.pk]),
        reverse("reporting:report_download", args=[private.pk, "pdf"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(make_user(Role.FOCAL_POINT, state="MEX"))
    assert all(client.get(url).status_code == 404 for url in urls)
    assert client.get(reverse("reporting:report", args=[public.pk])).status_code == 200
    client.force_login(make_user(Role.CONTRIBUTOR, state="MAR"))
    response = client.get(urls[1])
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(make_user(Role.SECRETARIAT))
    assert client.get(urls[0]).status_code == 200


def test_report_list_query_count(evidence, client, django_assert_max_num_queries):
    for _ in range(3):
        national(evidence["mar"])
        reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=CUTOFF)
    client.force_login(make_user(Role.ANALYST))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reporting:report_list"))
    assert response.status_code == 200 and response.content.decode().count("version 3") == 2
    status = client.get(reverse("reporting:report_status", args=[Report.objects.first().pk])).json()
    assert status["status"] == "queued" and status["progress"] == 0 and status["finished"] is False


def test_compile_on_demand_and_progress(evidence, client):
    client.force_login(make_user(Role.FOCAL_POINT, state="MAR"))
    response = client.post(
        reverse("reporting:report_new"),
        {"kind": "national", "cycle": 3, "member_state": "MAR", "include_unpublished": "on"},
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert (
        report.status == Report.Status.COMPLETE
        and report.include_unpublished
        and report.requested_by.profile.role == "focal_point"
    )
    page = client.get(report.get_absolute_url()).content.decode()
    assert "SHA-256" in page and report.files.get(format="xlsx").sha256 in page
    # A focal point compiles only their own State's national report.
    response = client.post(reverse("reporting:report_new"), {"kind": "national", "cycle": 3, "member_state": "MEX"})
    assert response.status_code == 400 and Report.objects.count() == 1


def test_analysts_compile_published_only_and_others_may_not(evidence, client):
    client.force_login(make_user(Role.CONTRIBUTOR, state="MAR"))
    assert client.get(reverse("reporting:report_new")).status_code == 403
    client.force_login(make_user(Role.ANALYST))
    page = client.get(reverse("reporting:report_new")).content.decode()
    assert "include_unpublished" not in page and 'for="id_kind"' in page
    response = client.post(reverse("reporting:report_new"), {"kind": "regional", "cycle": 3, "region": "Atlantis"})
    assert response.status_code == 400 and not Report.objects.exists()
    response = client.post(reverse("reporting:report_new"), {"kind": "regional", "cycle": 3, "region": "Americas"})
    assert response.status_code == 302 and Report.objects.get().status == Report.Status.COMPLETE


def test_broker_down_keeps_the_report_queued_and_says_so(evidence, client, settings, monkeypatch):
    settings.TASKS_INLINE = False

    def down(task, *args, **kwargs):
        raise BrokerUnavailable(task.name)

    monkeypatch.setattr("reporting.tasks.enqueue", down)
    client.force_login(make_user(Role.SECRETARIAT))
    response = client.post(reverse("reporting:report_new"), {"kind": "global", "cycle": 3}, follow=True)
    assert response.status_code == 200
    assert "the task service is unavailable right now; it will be compiled when it is back" in response.content.decode()
    assert Report.objects.get().status == Report.Status.QUEUED


# --- Scale: bounded HTML/PDF annex, full data files, no id lists, constant queries -------------


def _data_members(report):
    with zipfile.ZipFile(reports.file_path(report.files.get(format="data"))) as archive:
        records = list(csv.reader(io.StringIO(archive.read("records.csv").decode())))
        practices = list(csv.reader(io.StringIO(archive.read("good_practices.csv").decode())))
        payload = json.loads(archive.read("data.json"))
    return records, practices, payload


def test_html_and_pdf_annex_is_bounded_and_says_where_the_full_annex_is(evidence, monkeypatch, tmp_path):
    monkeypatch.setattr(reports.annex, "ANNEX_PREVIEW_ROWS", 2)
    monkeypatch.setattr(reports.annex, "GOOD_PRACTICES_PREVIEW_ROWS", 1)
    extra = EvidenceFactory(published=True, member_state=evidence["mex"], title="Second good practice")
    Evidence.objects.filter(pk=extra.pk).update(good_practice=True)
    report = compiled(reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=CUTOFF))
    note = str(reports.FULL_ANNEX_NOTE % {"n": 5})
    assert note == "The full data annex of 5 records is in the XLSX and CSV/JSON files of this report."
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert note in html
    assert "The full list of 2 good practices is in the XLSX and CSV/JSON files of this report." in html
    annex_html = html[html.index('id="h-annex"') :]
    assert annex_html.count("<tr>") == 1 + 2  # the header and the first two records
    pdf = reports.file_path(report.files.get(format="pdf"))
    subprocess.run(["pdftotext", "-layout", pdf, str(tmp_path / "report.txt")], check=True)
    assert " ".join((tmp_path / "report.txt").read_text().split()).count("The full data annex of 5 records") == 1
    # The data files and the workbook have every record and every good practice.
    records, practices, payload = _data_members(report)
    assert len(records) == 1 + 5 and len(payload["annex"]) == 5
    assert len(practices) == 1 + 2 and len(payload["good_practices"]) == 2
    workbook = openpyxl.load_workbook(reports.file_path(report.files.get(format="xlsx")))
    assert workbook["records"].max_row == 1 + 5 and workbook["good_practices"].max_row == 1 + 2
    assert {row[5] for row in records[1:]} == {c.value for c in workbook["records"]["F"][1:]}


def _bulk(n, state, action, principle):
    """Published records validated before the reports' cut-off, every tenth a good practice."""
    bulk_published(
        n,
        state=state,
        action=action,
        principle=principle,
        good_practice_every=10,
        validated_at=datetime(2029, 6, 1, tzinfo=UTC),
    )


def test_a_report_over_more_rows_than_sqlites_variable_limit_compiles(framework):
    """40,000 records (SQLite allows at most 32,766 variables per statement): no `IN (every id)`."""
    mar, action = MemberState.objects.get(iso3="MAR"), Action.objects.get(code="1(a)")
    _bulk(40_000, mar, action, GuidingPrinciple.objects.get(letter="f"))
    report = compiled(national(mar))
    records, practices, payload = _data_members(report)
    assert len(records) == 1 + 40_000 and len(practices) == 1 + 4_000
    assert payload["totals"]["records"] == 40_000
    assert payload["principles"] == [{"principle": "(f)", "name": "Human rights", "records": 40_000}]
    principles_column = records[0].index("principles")
    assert {row[principles_column] for row in records[1:]} == {"(f) Human rights"}
    html = Path(reports.file_path(report.files.get(format="html"))).read_text()
    assert reports.FULL_ANNEX_NOTE % {"n": 40_000} in html


def _compile_queries(report):
    with CaptureQueriesContext(connection) as queries:
        compiled(report)
    return len(queries)


def test_compile_query_count_does_not_grow_with_rows(framework):
    mar, action = MemberState.objects.get(iso3="MAR"), Action.objects.get(code="1(a)")
    principle = GuidingPrinciple.objects.get(letter="f")
    _bulk(10, mar, action, principle)
    small = _compile_queries(national(mar))
    Evidence.objects.filter(title__startswith="Measure ").delete()
    _bulk(300, mar, action, principle)
    large = _compile_queries(national(mar))
    assert small == large
